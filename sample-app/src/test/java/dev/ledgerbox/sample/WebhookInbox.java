package dev.ledgerbox.sample;

import com.standardwebhooks.Webhook;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A webhook receiver for the demo and the end-to-end test: verifies each request's signature
 * with the Standard Webhooks library, keeps it, prints a line, answers 204 (401 when the
 * signature does not verify).
 */
final class WebhookInbox implements AutoCloseable {

    /** A received webhook and whether its signature verified. */
    record Received(HttpHeaders headers, String body, boolean verified) {
        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile Webhook verifier;

    WebhookInbox(int port, PrintStream out) throws IOException {
        System.setProperty("sun.net.httpserver.nodelay", "true");
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 50);
        server.createContext("/webhooks", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            HttpHeaders headers = HttpHeaders.of(exchange.getRequestHeaders(), (a, b) -> true);
            boolean verified;
            try {
                verifier.verify(body, headers);
                verified = true;
            } catch (Exception e) {
                verified = false;
            }
            received.add(new Received(headers, body, verified));
            if (out != null) {
                out.printf(
                        "[webhook receiver] %s webhook-id=%s x-correlation-id=%s signature %s%n  %s%n",
                        headers.firstValue("webhook-id").map(id -> "received").orElse("received (no id)"),
                        headers.firstValue("webhook-id").orElse("-"),
                        headers.firstValue("x-correlation-id").orElse("-"),
                        verified ? "verified" : "INVALID",
                        body);
            }
            exchange.sendResponseHeaders(verified ? 204 : 401, -1);
            exchange.close();
        });
        server.start();
    }

    /** The endpoint's secret, once it is registered. */
    void verifyWith(String secret) {
        try {
            this.verifier = new Webhook(secret);
        } catch (com.standardwebhooks.exceptions.EmptyWebhookSecretException e) {
            throw new IllegalArgumentException("the endpoint has no secret", e);
        }
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/webhooks";
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
