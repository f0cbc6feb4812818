package dev.ledgerbox.publisher.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code /health/live}, {@code /health/ready} (MicroProfile Health's JSON shape, 200 or 503) and
 * {@code /metrics} (Prometheus text) on the configured port.
 */
final class HealthServer implements AutoCloseable {

    private final HttpServer server;

    HealthServer(
            String host,
            int port,
            Supplier<Map<String, Boolean>> liveness,
            Supplier<Map<String, Boolean>> readiness,
            PrometheusMeterRegistry metrics)
            throws IOException {
        server = HttpServer.create(new InetSocketAddress(host, port), 0);
        server.createContext("/health/live", exchange -> health(exchange, liveness.get()));
        server.createContext("/health/ready", exchange -> health(exchange, readiness.get()));
        server.createContext("/health", exchange -> {
            Map<String, Boolean> all = new LinkedHashMap<>(liveness.get());
            all.putAll(readiness.get());
            health(exchange, all);
        });
        server.createContext(
                "/metrics", exchange -> send(exchange, 200, "text/plain; version=0.0.4", metrics.scrape()));
        server.setExecutor(null);
        server.start();
    }

    InetSocketAddress address() {
        return server.getAddress();
    }

    int port() {
        return server.getAddress().getPort();
    }

    private static void health(HttpExchange exchange, Map<String, Boolean> checks) throws IOException {
        boolean up = checks.values().stream().allMatch(Boolean::booleanValue);
        StringBuilder json =
                new StringBuilder("{\"status\":\"").append(up ? "UP" : "DOWN").append("\",\"checks\":[");
        String sep = "";
        for (Map.Entry<String, Boolean> check : checks.entrySet()) {
            json.append(sep)
                    .append("{\"name\":\"")
                    .append(check.getKey())
                    .append("\",\"status\":\"")
                    .append(check.getValue() ? "UP" : "DOWN")
                    .append("\"}");
            sep = ",";
        }
        json.append("]}");
        send(exchange, up ? 200 : 503, "application/json", json.toString());
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
