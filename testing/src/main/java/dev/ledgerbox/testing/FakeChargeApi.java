package dev.ledgerbox.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A payment provider's charge API on a real HTTP server, for tests and the demo: {@code POST
 * /v1/charges} charges once per {@code Idempotency-Key} and answers {@code 200} with the charge and a
 * {@code Request-Id} header; a key already charged gets {@code 409}. It can be told what to do to the
 * next requests ({@link Fault}): answer 500, charge and answer too late (the caller times out), or
 * charge and close the connection without an answer. {@code POST /v1/faults} with {@code
 * timeout,error} queues faults over HTTP. Thread-safe.
 */
public final class FakeChargeApi implements HttpHandler, AutoCloseable {

    /** What the next request gets instead of a plain charge. */
    public enum Fault {
        /** {@code 500}, nothing charged. */
        ERROR,
        /** Charges, then answers after {@link #slowAnswer}: later than the caller waits. */
        TIMEOUT,
        /** Charges, then closes the connection without a status line. */
        DROP
    }

    /** A request as it arrived: method, path, headers (lower-case names), body. */
    public record Received(String method, String path, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final HttpServer server;
    private final Deque<Fault> faults = new ConcurrentLinkedDeque<>();
    private final Map<String, String> charged = new ConcurrentHashMap<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();
    private volatile Duration slowAnswer = Duration.ofSeconds(3);

    private FakeChargeApi(HttpServer server) {
        this.server = server;
    }

    /** A server of its own on 127.0.0.1 ({@code port} 0 for any free port). */
    public static FakeChargeApi start(int port) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 100);
            FakeChargeApi api = new FakeChargeApi(server);
            api.mount(server);
            server.setExecutor(Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "fake-charge-api");
                t.setDaemon(true);
                return t;
            }));
            server.start();
            return api;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Serves {@code /v1/charges} and {@code /v1/faults} on another server (stopped by its owner). */
    public static FakeChargeApi on(HttpServer server) {
        FakeChargeApi api = new FakeChargeApi(null);
        api.mount(server);
        return api;
    }

    private void mount(HttpServer server) {
        server.createContext("/v1/charges", this);
        server.createContext("/v1/faults", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).trim();
            for (String f : body.split("[,\\s]+")) {
                if (!f.isEmpty()) {
                    faults.add(Fault.valueOf(f.toUpperCase(Locale.ROOT)));
                }
            }
            answer(exchange, 200, "{\"queued\":\"" + faults + "\"}", Map.of());
        });
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Queues faults for the next requests, in order. */
    public FakeChargeApi next(Fault... next) {
        faults.addAll(List.of(next));
        return this;
    }

    /** How long a {@link Fault#TIMEOUT} answer waits (default 3 s). */
    public FakeChargeApi slowAnswer(Duration wait) {
        this.slowAnswer = wait;
        return this;
    }

    public List<Received> received() {
        return new ArrayList<>(received);
    }

    /** Charges made, by idempotency key. */
    public Map<String, String> charges() {
        return new TreeMap<>(charged);
    }

    public void reset() {
        faults.clear();
        charged.clear();
        received.clear();
        ids.set(0);
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        Map<String, String> headers = new TreeMap<>();
        exchange.getRequestHeaders()
                .forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), String.join(", ", values)));
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        received.add(new Received(
                exchange.getRequestMethod(), exchange.getRequestURI().getPath(), Map.copyOf(headers), body));
        String requestId = "req_" + ids.incrementAndGet();
        Fault fault = faults.poll();
        if (fault == Fault.ERROR) {
            answer(exchange, 500, "{\"error\":\"internal error\"}", Map.of("Request-Id", requestId));
            return;
        }
        String key = headers.getOrDefault("idempotency-key", requestId);
        String existing = charged.putIfAbsent(key, "ch_" + requestId.substring(4));
        if (existing != null) {
            answer(
                    exchange,
                    409,
                    "{\"error\":\"idempotency key already used\",\"charge\":\"" + existing + "\"}",
                    Map.of("Request-Id", requestId));
            return;
        }
        String charge = "{\"id\":\"" + charged.get(key) + "\",\"status\":\"succeeded\"}";
        if (fault == Fault.DROP) {
            throw new IOException("fake charge API: charged " + key + ", closing without an answer");
        }
        if (fault == Fault.TIMEOUT) {
            try {
                Thread.sleep(slowAnswer.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        answer(exchange, 200, charge, Map.of("Request-Id", requestId));
    }

    private static void answer(HttpExchange exchange, int status, String body, Map<String, String> headers)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        headers.forEach(exchange.getResponseHeaders()::set);
        try {
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        } catch (IOException e) {
            // the caller gave up (a timeout): nothing to answer
        } finally {
            exchange.close();
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
        }
    }
}
