package dev.ledgerbox.sample;

import com.standardwebhooks.Webhook;
import com.sun.net.httpserver.HttpServer;
import dev.ledgerbox.testing.FakeChargeApi;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A payment provider for the demo and the end-to-end test. Its charge API ({@code POST
 * /v1/charges}, {@link FakeChargeApi}) is what the shop calls to pay an order; {@code POST
 * /v1/faults} with {@code error}, {@code timeout} or {@code drop} makes the next charges fail. And
 * {@code POST /pay} with {@code {"order": 1, "amount": 42.50}} makes it send the shop a {@code
 * payment.succeeded} webhook, signed with Standard Webhooks, retried on failure (1 s, 2 s, 5 s, 10
 * s, 30 s) as providers do, each attempt printed.
 */
final class FakePaymentProvider implements AutoCloseable {

    /** The demo provider's signing secret, as the shop's configuration has it. */
    static final String SECRET = "whsec_c2FtcGxlLXBheW1lbnQtcHJvdmlkZXItc2VjcmV0";

    static final List<Duration> RETRIES = List.of(
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofSeconds(5),
            Duration.ofSeconds(10),
            Duration.ofSeconds(30));

    private static final Pattern ORDER = Pattern.compile("\"order\"\\s*:\\s*(\\d+)");
    private static final Pattern AMOUNT = Pattern.compile("\"amount\"\\s*:\\s*([0-9.]+)");

    private final HttpServer server;
    private final FakeChargeApi charges;
    private final URI shop;
    private final PrintStream out;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ExecutorService senders = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-payment-provider");
        t.setDaemon(true);
        return t;
    });

    FakePaymentProvider(int port, URI shop, PrintStream out) throws IOException {
        this.shop = shop;
        this.out = out;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 50);
        server.createContext("/pay", exchange -> {
            String request = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Matcher order = ORDER.matcher(request);
            Matcher amount = AMOUNT.matcher(request);
            byte[] answer;
            if (!order.find() || !amount.find()) {
                answer = "send {\"order\": 1, \"amount\": 42.50}\n".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(400, answer.length);
            } else {
                String id = "msg_" + UUID.randomUUID().toString().replace("-", "");
                String body = paymentSucceeded(Long.parseLong(order.group(1)), amount.group(1));
                senders.submit(() -> deliverWithRetries(id, body));
                answer = ("{\"webhook_id\":\"" + id + "\"}\n").getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(202, answer.length);
            }
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        charges = FakeChargeApi.on(server);
        server.setExecutor(senders); // a slow answer must not hold the others up
        server.start();
    }

    /** The charge API the shop calls. */
    FakeChargeApi charges() {
        return charges;
    }

    int port() {
        return server.getAddress().getPort();
    }

    static String paymentSucceeded(long order, String amount) {
        return "{\"type\":\"payment.succeeded\",\"data\":{\"order\":" + order + ",\"amount\":" + amount + "}}";
    }

    /** One attempt: the webhook signed now, as the provider sends it. */
    HttpResponse<String> deliver(String webhookId, String body) throws Exception {
        return http.send(signed(webhookId, body).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The request, signed with {@link #SECRET} at this instant. */
    HttpRequest.Builder signed(String webhookId, String body) throws Exception {
        long now = Instant.now().getEpochSecond();
        return HttpRequest.newBuilder(shop)
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .header("User-Agent", "FakePay-Webhooks/1.0")
                .header("webhook-id", webhookId)
                .header("webhook-timestamp", Long.toString(now))
                .header("webhook-signature", new Webhook(SECRET).sign(webhookId, now, body))
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private void deliverWithRetries(String webhookId, String body) {
        for (int attempt = 0; attempt <= RETRIES.size(); attempt++) {
            String result;
            boolean done;
            try {
                HttpResponse<String> r = deliver(webhookId, body);
                result = r.statusCode() + " " + r.body();
                done = r.statusCode() < 500 && r.statusCode() != 409 && r.statusCode() != 429;
            } catch (Exception e) {
                result = e.getClass().getSimpleName() + " " + e.getMessage();
                done = false;
            }
            if (out != null) {
                out.printf("[payment provider] %s attempt %d: %s%n", webhookId, attempt + 1, result);
            }
            if (done || attempt == RETRIES.size()) {
                return;
            }
            try {
                Thread.sleep(RETRIES.get(attempt).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        senders.shutdownNow();
    }
}
