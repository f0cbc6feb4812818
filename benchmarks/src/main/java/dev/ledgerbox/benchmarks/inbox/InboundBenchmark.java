package dev.ledgerbox.benchmarks.inbox;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ledgerbox.benchmarks.Harness;
import dev.ledgerbox.inbox.HandlerResult;
import dev.ledgerbox.inbox.IdempotencyKey;
import dev.ledgerbox.inbox.InboundRequest;
import dev.ledgerbox.inbox.Inbox;
import dev.ledgerbox.inbox.InboxHandler;
import dev.ledgerbox.inbox.InboxSource;
import dev.ledgerbox.inbox.Reception;
import dev.ledgerbox.testing.EmbeddedDatabase;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * An inbound webhook endpoint over real HTTP, with and without the inbox's capture, in one run:
 * the same handler writes one business row in its own transaction. Four variants: {@code plain}
 * (the write alone), {@code raw-capture} (the raw limit of capturing first: the body inserted into
 * a keyed two-index table and committed, then the write), {@code inbox}, and {@code duplicate}
 * (keys the inbox variant delivered earlier, answered from the stored response). Per round the
 * variants run back to back (rotating order) and the ratio is taken per round; latencies are the
 * clients'. Durable, then not. The
 * writing commits per request are counted from PostgreSQL's transaction ids.
 * Arguments: {@code threads=8 seconds=5 rounds=5 warmup=2}.
 */
public final class InboundBenchmark {

    static final String BODY = "{\"type\":\"payment.succeeded\",\"data\":{\"order\":\"%d\",\"amount\":1999,"
            + "\"currency\":\"EUR\",\"customer\":\"cus_%d\"}}";

    private InboundBenchmark() {}

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = Harness.arguments(argv);
        try (EmbeddedDatabase db = EmbeddedDatabase.start(false, 0);
                Harness harness = new Harness(db.migrate("outbox", "inbox"), args)) {
            harness.execute("CREATE TABLE bench_payment (webhook_id text PRIMARY KEY, payload jsonb NOT NULL)");
            // the raw limit of a capture: the body in a keyed table, committed before the write
            harness.execute("CREATE TABLE bench_capture (id bigserial PRIMARY KEY, source text NOT NULL,"
                    + " key text NOT NULL, body bytea NOT NULL, received_at timestamptz NOT NULL DEFAULT now(),"
                    + " UNIQUE (source, key))");
            DataSource pool = harness.pool;
            InboxHandler write = m -> {
                insert(pool, m.idempotencyKey(), m.bodyText());
                return HandlerResult.ok("{\"status\":\"PAID\"}");
            };
            Inbox inbox = Inbox.builder(pool)
                    .source(
                            InboxSource.builder("payments")
                                    .key(IdempotencyKey.header("webhook-id"))
                                    .build(),
                            write)
                    .build();
            System.setProperty("sun.net.httpserver.nodelay", "true"); // no Nagle: answers are not held back
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
            server.setExecutor(Executors.newFixedThreadPool(harness.threads * 2));
            server.createContext("/plain", exchange -> {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                try {
                    insert(pool, exchange.getRequestHeaders().getFirst("webhook-id"), body);
                    answer(exchange, 200, "{\"status\":\"PAID\"}");
                } catch (Exception e) {
                    answer(exchange, 500, e.toString());
                }
            });
            server.createContext("/raw-capture", exchange -> {
                byte[] body = exchange.getRequestBody().readAllBytes();
                String key = exchange.getRequestHeaders().getFirst("webhook-id");
                try {
                    try (Connection c = pool.getConnection();
                            PreparedStatement ps = c.prepareStatement(
                                    "INSERT INTO bench_capture (source, key, body) VALUES ('payments', ?, ?)")) {
                        ps.setString(1, key);
                        ps.setBytes(2, body);
                        ps.executeUpdate();
                    }
                    insert(pool, key, new String(body, StandardCharsets.UTF_8));
                    answer(exchange, 200, "{\"status\":\"PAID\"}");
                } catch (Exception e) {
                    answer(exchange, 500, e.toString());
                }
            });
            server.createContext("/inbox", exchange -> {
                Reception r = inbox.receive(InboundRequest.builder("payments")
                        .headers(exchange.getRequestHeaders())
                        .body(exchange.getRequestBody())
                        .remoteAddress(exchange.getRemoteAddress().getAddress().getHostAddress())
                        .origin("InboundBenchmark.inbox")
                        .build());
                answer(exchange, r.status(), r.body());
            });
            server.start();
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            System.out.printf("Inbound endpoint benchmark: %s, HTTP on loopback%n", harness.describe());

            harness.inBothModes(
                    "| mode | plain req/s | raw capture req/s | inbox req/s | inbox / plain (median of rounds,"
                            + " min-max) | inbox / raw capture | plain p50 / p99 ms | inbox p50 / p99 ms"
                            + " | added p50 / p99 ms | duplicate req/s | duplicate p50 / p99 ms | write commits per request, plain / inbox |",
                    "aims: capture adds at most one commit and <= 2 ms at p50; duplicates answered faster than first"
                            + " deliveries",
                    mode -> run(harness, base, mode));
            server.stop(0);
            inbox.close();
        }
        System.exit(0);
    }

    /** Warm-up, then rounds of both variants back to back; returns the table's line. */
    private static String run(Harness harness, String base, String mode) throws Exception {
        System.out.printf("%n== %s%n", mode);
        HttpClient http = HttpClient.newBuilder()
                .executor(Executors.newFixedThreadPool(4))
                .build();
        AtomicLong keys = new AtomicLong(System.nanoTime());
        Map<String, Client> variants = new LinkedHashMap<>();
        variants.put("plain", new Client(http, URI.create(base + "/plain"), keys));
        variants.put("raw-capture", new Client(http, URI.create(base + "/raw-capture"), keys));
        variants.put("inbox", new Client(http, URI.create(base + "/inbox"), keys));
        // duplicates of keys the inbox variant delivered before this run: measured in the same rounds
        List<String> delivered = new ArrayList<>();
        variants.put("duplicate", new Client(http, URI.create(base + "/inbox"), keys) {
            @Override
            String key() {
                return delivered.get(ThreadLocalRandom.current().nextInt(delivered.size()));
            }
        });
        for (Map.Entry<String, Client> c : variants.entrySet()) {
            if (c.getKey().equals("duplicate")) {
                delivered.addAll(variants.get("inbox").sent);
            }
            harness.run(c.getValue(), harness.warmup);
        }
        variants.values().forEach(c -> c.latencies.clear());
        List<Double> ratios = new ArrayList<>();
        List<Double> rawRatios = new ArrayList<>();
        Map<String, double[]> totals = new LinkedHashMap<>();
        variants.keySet().forEach(k -> totals.put(k, new double[3])); // requests, seconds, write commits
        List<String> order = new ArrayList<>(variants.keySet());
        for (int round = 0; round < harness.rounds; round++) {
            Map<String, Double> rates = new LinkedHashMap<>();
            for (int i = 0; i < order.size(); i++) {
                String name = order.get((i + round) % order.size());
                if (name.equals("duplicate")) {
                    delivered.clear();
                    delivered.addAll(variants.get("inbox").sent);
                }
                long xids = nextTransactionId(harness.pool);
                long started = System.nanoTime();
                long n = harness.run(variants.get(name), harness.seconds);
                double elapsed = (System.nanoTime() - started) / 1e9;
                rates.put(name, n / elapsed);
                totals.get(name)[0] += n;
                totals.get(name)[1] += elapsed;
                totals.get(name)[2] += nextTransactionId(harness.pool) - xids;
                System.out.printf(Locale.ROOT, "  round %d  %-6s %8.0f req/s%n", round + 1, name, n / elapsed);
            }
            ratios.add(rates.get("inbox") / rates.get("plain"));
            rawRatios.add(rates.get("inbox") / rates.get("raw-capture"));
        }
        Client inbox = variants.get("inbox");
        Client duplicates = variants.get("duplicate");
        Collections.sort(ratios);
        Collections.sort(rawRatios);
        double[] plain = Harness.percentiles(new ArrayList<>(variants.get("plain").latencies));
        double[] captured = Harness.percentiles(new ArrayList<>(inbox.latencies));
        double[] dup = Harness.percentiles(new ArrayList<>(duplicates.latencies));
        if (duplicates.failures.get() > 0
                || inbox.failures.get() > 0
                || variants.get("plain").failures.get() > 0) {
            throw new IllegalStateException("requests failed: plain " + variants.get("plain").failures + ", inbox "
                    + inbox.failures + ", duplicates " + duplicates.failures);
        }
        return String.format(
                Locale.ROOT,
                "| %s | %.0f | %.0f | %.0f | %.2f (%.2f-%.2f) | %.2f (%.2f-%.2f) | %.2f / %.2f | %.2f / %.2f | %.2f / %.2f"
                        + " | %.0f | %.2f / %.2f | %.2f / %.2f |",
                mode,
                totals.get("plain")[0] / totals.get("plain")[1],
                totals.get("raw-capture")[0] / totals.get("raw-capture")[1],
                totals.get("inbox")[0] / totals.get("inbox")[1],
                ratios.get(ratios.size() / 2),
                ratios.get(0),
                ratios.get(ratios.size() - 1),
                rawRatios.get(rawRatios.size() / 2),
                rawRatios.get(0),
                rawRatios.get(rawRatios.size() - 1),
                plain[0],
                plain[2],
                captured[0],
                captured[2],
                captured[0] - plain[0],
                captured[2] - plain[2],
                totals.get("duplicate")[0] / totals.get("duplicate")[1],
                dup[0],
                dup[2],
                totals.get("plain")[2] / totals.get("plain")[0],
                totals.get("inbox")[2] / totals.get("inbox")[0]);
    }

    /**
     * The next transaction id PostgreSQL will assign: only writing transactions take one, so its
     * advance over a run counts the commits that wrote (the duplicates' look-ups, which read, do not).
     */
    static long nextTransactionId(DataSource pool) throws Exception {
        try (Connection c = pool.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT pg_snapshot_xmax(pg_current_snapshot())::text");
                java.sql.ResultSet rs = ps.executeQuery()) {
            rs.next();
            return Long.parseLong(rs.getString(1));
        }
    }

    /** One client request per transaction: a new key (or a delivered one), its latency kept. */
    static class Client implements Harness.Work {
        final HttpClient http;
        final URI uri;
        final AtomicLong keys;
        final ConcurrentLinkedQueue<Double> latencies = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> sent = new ConcurrentLinkedQueue<>();
        final AtomicLong failures = new AtomicLong();

        Client(HttpClient http, URI uri, AtomicLong keys) {
            this.http = http;
            this.uri = uri;
            this.keys = keys;
        }

        String key() {
            return "msg_" + keys.incrementAndGet();
        }

        @Override
        public void transaction() throws Exception {
            String key = key();
            long n = keys.get();
            HttpRequest request = HttpRequest.newBuilder(uri)
                    .header("Content-Type", "application/json")
                    .header("webhook-id", key)
                    .POST(HttpRequest.BodyPublishers.ofString(String.format(BODY, n, n % 1000)))
                    .build();
            long started = System.nanoTime();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            latencies.add((System.nanoTime() - started) / 1e6);
            if (response.statusCode() != 200) {
                failures.incrementAndGet();
            }
            sent.add(key);
        }
    }

    static void insert(DataSource pool, String key, String body) throws Exception {
        try (Connection c = pool.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("INSERT INTO bench_payment (webhook_id, payload) VALUES (?, ?::jsonb)")) {
            ps.setString(1, key);
            ps.setString(2, body);
            ps.executeUpdate();
        }
    }

    static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
        exchange.close();
    }
}
