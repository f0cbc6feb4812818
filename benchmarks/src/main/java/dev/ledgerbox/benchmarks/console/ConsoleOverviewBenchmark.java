package dev.ledgerbox.benchmarks.console;

import dev.ledgerbox.benchmarks.Harness;
import dev.ledgerbox.console.Console;
import dev.ledgerbox.console.ConsoleSettings;
import dev.ledgerbox.console.Passwords;
import dev.ledgerbox.testing.EmbeddedDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The console's overview with many attempt rows (10 million by default, spread over 30 days, 20
 * endpoints, 12 event types): how long the rollups take to catch up from nothing, how long the
 * overview answers over HTTP for the last hour and the last day (aim: under 200 ms), against the
 * same figures computed from the raw rows (the peer), and the query plans.
 *
 * <p>Arguments: {@code rows=10000000 days=30 samples=40}.
 */
public final class ConsoleOverviewBenchmark {

    /** The raw rows of a window grouped as the rollup groups them: what the overview would run without rollups. */
    private static final String RAW = "SELECT date_trunc('minute', a.requested_at), a.endpoint_id, m.type, a.outcome,"
            + " CASE WHEN a.duration_ms IS NULL THEN -1 ELSE width_bucket(a.duration_ms,"
            + " ARRAY[5,10,25,50,75,100,150,200,300,500,750,1000,1500,2000,3000,5000,7500,10000,15000,30000,60000,300000])"
            + " END, count(*) FROM webhook_attempt a JOIN webhook_message m ON m.event_id = a.event_id"
            + " WHERE a.requested_at >= now() - interval '%s' GROUP BY 1, 2, 3, 4, 5";

    private ConsoleOverviewBenchmark() {}

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = Harness.arguments(argv);
        long rows = Long.parseLong(args.getOrDefault("rows", "10000000"));
        int days = Integer.parseInt(args.getOrDefault("days", "30"));
        int samples = Integer.parseInt(args.getOrDefault("samples", "40"));
        try (EmbeddedDatabase db = EmbeddedDatabase.start(true, 0);
                Harness harness = new Harness(db.migrate("outbox", "webhook", "console"), args)) {
            System.out.printf(
                    "Console overview benchmark: %,d attempt rows over %d days, %s%n", rows, days, harness.describe());
            long t0 = System.nanoTime();
            load(harness, rows, days);
            System.out.printf("loaded in %.0f s%n", (System.nanoTime() - t0) / 1e9);
            harness.execute("VACUUM ANALYZE");

            System.out.println("\n| window | raw rows in window | raw grouping p50 ms |");
            System.out.println("|---|---|---|");
            for (String window : List.of("1 hour", "24 hours")) {
                List<Double> times = new ArrayList<>();
                long n = 0;
                for (int i = 0; i < Math.max(3, samples / 8); i++) {
                    long s = System.nanoTime();
                    n = count(harness, String.format(RAW, window));
                    times.add((System.nanoTime() - s) / 1e6);
                }
                System.out.printf("| %s | %,d groups | %.0f |%n", window, n, Harness.percentiles(times)[0]);
            }

            String password = "benchmark-password";
            ConsoleSettings settings = ConsoleSettings.from(Map.of(
                    "publisher.console.port",
                    "0",
                    "publisher.console.users",
                    "bench:viewer:" + Passwords.hash(password.toCharArray()))::get);
            long c0 = System.nanoTime();
            try (Console console =
                    Console.builder(harness.pool, settings).build().start()) {
                while (!caughtUp(harness)) {
                    Thread.sleep(200);
                }
                System.out.printf(
                        "%nrollups caught up from nothing in %.1f s (%,d minute rows)%n",
                        (System.nanoTime() - c0) / 1e9, harness.count("SELECT count(*) FROM console_attempt_minute"));
                HttpClient http = HttpClient.newHttpClient();
                String auth = "Basic "
                        + Base64.getEncoder().encodeToString(("bench:" + password).getBytes(StandardCharsets.UTF_8));
                System.out.println("\n| window | overview over HTTP p50 / p95 / p99 ms | aim |");
                System.out.println("|---|---|---|");
                for (String window : List.of("1h", "24h")) {
                    HttpRequest request = HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + console.port() + "/api/overview?window=" + window))
                            .header("Authorization", auth)
                            .build();
                    for (int i = 0; i < 5; i++) { // warm-up (and the password check, once)
                        http.send(request, HttpResponse.BodyHandlers.ofString());
                    }
                    List<Double> times = new ArrayList<>();
                    for (int i = 0; i < samples; i++) {
                        long s = System.nanoTime();
                        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                        times.add((System.nanoTime() - s) / 1e6);
                        if (r.statusCode() != 200) {
                            throw new IllegalStateException("overview answered " + r.statusCode() + ": " + r.body());
                        }
                    }
                    double[] p = Harness.percentiles(times);
                    System.out.printf(
                            "| %s | %.0f / %.0f / %.0f | < 200 ms: %s |%n",
                            window, p[0], p[1], p[2], p[2] < 200 ? "met" : "NOT met");
                }
                System.out.println("\nPlan of the quarter rollup read for a day:");
                explain(
                        harness,
                        "SELECT quarter, endpoint_id, event_type, attempts, delivered, retried, dead, unfinished,"
                                + " latency::text FROM console_attempt_quarter WHERE quarter >= now() - interval '24 hours'");
                System.out.println("\nPlan of the minute rollup read for an hour:");
                explain(
                        harness,
                        "SELECT minute, endpoint_id, event_type, attempts, delivered, retried, dead, unfinished,"
                                + " latency::text FROM console_attempt_minute WHERE minute >= now() - interval '1 hour'");
                System.out.println("\nPlan of the raw tail (the minutes after the last pass; no parallel workers):");
                try (Connection c = harness.pool.getConnection();
                        Statement s = c.createStatement()) {
                    s.execute("SET max_parallel_workers_per_gather = 0");
                    explain(c, String.format(RAW, "2 minutes"));
                }
            }
        }
        System.exit(0);
    }

    /** Endpoints, messages, deliveries (half the attempts' count) and attempts, spread evenly over the days. */
    private static void load(Harness h, long attempts, int days) {
        long deliveries = attempts / 2;
        h.execute("SET session_replication_role = replica"); // no FK checks while loading (this session only)
        try (Connection c = h.pool.getConnection();
                Statement s = c.createStatement()) {
            s.execute("SET session_replication_role = replica");
            s.execute("INSERT INTO webhook_endpoint (id, url, event_types) SELECT ('00000000-0000-0000-0000-'"
                    + " || lpad(to_hex(i), 12, '0'))::uuid, 'https://hooks' || i || '.example.com/in', '{*}'"
                    + " FROM generate_series(1, 20) i");
            s.execute("INSERT INTO webhook_message (event_id, type, aggregatetype, aggregateid, aggregate_seq, body,"
                    + " occurred_at) SELECT md5(i::text)::uuid, 'type.' || (i % 12), 'order', i::text, 1, '{}',"
                    + " now() - " + days + " * interval '1 day' * (1 - i::float8 / " + deliveries + ")"
                    + " FROM generate_series(1, " + deliveries + ") i");
            s.execute(
                    "INSERT INTO webhook_delivery (id, event_id, endpoint_id, aggregatetype, aggregateid, aggregate_seq,"
                            + " status, attempts, created_at, delivered_at, dead_at)"
                            + " SELECT i, md5(i::text)::uuid, ('00000000-0000-0000-0000-' || lpad(to_hex(1 + i % 20), 12, '0'))::uuid,"
                            + " 'order', i::text, 1, CASE WHEN i % 50 = 0 THEN 'DEAD' ELSE 'DELIVERED' END, 2, t,"
                            + " CASE WHEN i % 50 = 0 THEN NULL ELSE t END, CASE WHEN i % 50 = 0 THEN t END"
                            + " FROM (SELECT i, now() - " + days + " * interval '1 day' * (1 - i::float8 / "
                            + deliveries
                            + ") AS t FROM generate_series(1, " + deliveries + ") i) x");
            s.execute("INSERT INTO webhook_attempt (delivery_id, event_id, endpoint_id, attempt, request_url,"
                    + " request_headers, request_body_sha256, request_bytes, requested_at, responded_at, duration_ms,"
                    + " response_status, outcome)"
                    + " SELECT d, md5(d::text)::uuid, ('00000000-0000-0000-0000-' || lpad(to_hex(1 + d % 20), 12, '0'))::uuid,"
                    + " a, 'https://hooks.example.com/in', '{}', repeat('0', 64), 180, t, t + dur * interval '1 millisecond',"
                    + " dur, CASE WHEN a = 1 AND d % 4 = 0 THEN 503 WHEN a = 2 AND d % 50 = 0 THEN 500 ELSE 204 END,"
                    + " CASE WHEN a = 1 AND d % 4 = 0 THEN 'RETRY' WHEN a = 2 AND d % 50 = 0 THEN 'DEAD' ELSE 'DELIVERED' END"
                    + " FROM (SELECT (i + 1) / 2 AS d, 1 + (i + 1) % 2 AS a,"
                    + " now() - " + days + " * interval '1 day' * (1 - i::float8 / " + attempts + ") AS t,"
                    + " 5 + (power(random(), 4) * 3000)::int AS dur FROM generate_series(1, " + attempts + ") i) x");
        } catch (Exception e) {
            throw new IllegalStateException("loading failed: " + e.getMessage(), e);
        }
    }

    private static boolean caughtUp(Harness h) throws Exception {
        return h.count("SELECT count(*) FROM console_rollup_state WHERE rolled_until > now() - interval '2 minutes'")
                > 0;
    }

    private static long count(Harness h, String sql) throws Exception {
        try (Connection c = h.pool.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            long n = 0;
            while (rs.next()) {
                n++;
            }
            return n;
        }
    }

    private static void explain(Harness h, String sql) throws Exception {
        try (Connection c = h.pool.getConnection()) {
            explain(c, sql);
        }
    }

    private static void explain(Connection c, String sql) throws Exception {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)) {
            while (rs.next()) {
                System.out.println("    " + rs.getString(1));
            }
        }
    }
}
