package dev.ledgerbox.benchmarks.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.ledgerbox.benchmarks.Harness;
import dev.ledgerbox.publisher.webhook.EndpointSpec;
import dev.ledgerbox.publisher.webhook.SecretBox;
import dev.ledgerbox.publisher.webhook.WebhookEndpoints;
import dev.ledgerbox.testing.EmbeddedDatabase;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The reliability soak of docs/reliability.md: the runnable publisher jar killed with SIGKILL at
 * random moments ({@code kills} times, 100 by default) while a writer commits events (about {@code
 * rate} per second over {@code aggregates} aggregates, durable PostgreSQL) and a webhook receiver
 * records what it gets; then one last run drains everything and stops with SIGTERM. It counts the
 * events committed, logged and received, the duplicates (and that they carry the first delivery's
 * id and content), the order per aggregate, and how long a delivery cut by a kill waited for its
 * next attempt. Not part of the test run; needs the {@code -all} jar (build with {@code -am}).
 */
public final class KillSoak {

    private record Received(String id, String aggregate, long n) {}

    private KillSoak() {}

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = Harness.arguments(argv);
        int kills = Integer.parseInt(args.getOrDefault("kills", "100"));
        int rate = Integer.parseInt(args.getOrDefault("rate", "400"));
        int aggregates = Integer.parseInt(args.getOrDefault("aggregates", "300"));
        Path jar;
        try (Stream<Path> files = Files.list(Path.of("..", "publisher-app", "target"))) {
            jar = files.filter(f -> f.getFileName().toString().endsWith("-all.jar"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no -all.jar: build with -am"));
        }
        Path logs = Files.createTempDirectory("ledgerbox-soak");
        try (EmbeddedDatabase db = EmbeddedDatabase.start(true, 0).migrate(EmbeddedDatabase.allSchemas());
                Harness harness = new Harness(db, args)) {
            ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
            ObjectMapper json = new ObjectMapper();
            // without it the JDK server holds each response ~40 ms on a kept-alive connection
            // (Nagle with delayed ACKs): 8 slots would deliver at most ~80/s, as real receivers never do
            System.setProperty("sun.net.httpserver.nodelay", "true");
            HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
            receiver.createContext("/soak", exchange -> {
                byte[] body = exchange.getRequestBody().readAllBytes();
                JsonNode data = json.readTree(body).path("data");
                received.add(new Received(
                        exchange.getRequestHeaders().getFirst("webhook-id"),
                        data.path("agg").asText(),
                        data.path("n").asLong()));
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
            });
            receiver.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(8));
            receiver.start();
            new WebhookEndpoints(harness.pool, SecretBox.plaintext())
                    .add(EndpointSpec.builder(
                                    "http://127.0.0.1:" + receiver.getAddress().getPort() + "/soak")
                            .eventTypes("order.*")
                            .allowPrivate(true)
                            .build());

            Set<String> committed = ConcurrentHashMap.newKeySet();
            AtomicBoolean writing = new AtomicBoolean(true);
            Thread writer = new Thread(() -> write(harness, committed, writing, rate, aggregates), "soak-writer");
            writer.start();

            System.out.printf(
                    "Kill soak: %d SIGKILLs, a writer at about %d events/s over %d aggregates, durable"
                            + " PostgreSQL, logs in %s%n",
                    kills, rate, aggregates, logs);
            List<Path> outputs = new ArrayList<>();
            for (int k = 0; k < kills; k++) {
                Path out = logs.resolve("run-" + k + ".log");
                outputs.add(out);
                Process p = start(jar, db, out);
                awaitLine(out, "outbox event published", p, 30);
                Thread.sleep(ThreadLocalRandom.current().nextLong(0, 1500));
                p.destroyForcibly(); // SIGKILL
                p.waitFor(30, TimeUnit.SECONDS);
                if (k % 10 == 9) {
                    System.out.printf(
                            "  %d kills, %d events committed, %d webhooks received%n",
                            k + 1, committed.size(), received.size());
                }
            }
            writing.set(false);
            writer.join();
            Path last = logs.resolve("run-final.log");
            outputs.add(last);
            Process p = start(jar, db, last);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (harness.count("SELECT count(*) FROM outbox_event WHERE status <> 'DELIVERED'")
                            + harness.count("SELECT count(*) FROM webhook_delivery WHERE status <> 'DELIVERED'")
                    > 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("not drained within 10 minutes");
                }
                Thread.sleep(250);
            }
            p.destroy(); // SIGTERM
            int exit = p.waitFor(60, TimeUnit.SECONDS) ? p.exitValue() : -1;
            receiver.stop(0);

            Set<String> logged = new java.util.HashSet<>();
            for (Path out : outputs) {
                for (String line : Files.readAllLines(out)) {
                    JsonNode node;
                    try {
                        node = json.readTree(line);
                    } catch (IOException e) {
                        continue; // a line cut short by SIGKILL
                    }
                    if (node != null && node.path("message").asText().startsWith("outbox event published")) {
                        logged.add(node.path("event_id").asText());
                    }
                }
            }
            Map<String, Received> first = new HashMap<>();
            Map<String, List<Long>> order = new HashMap<>();
            int duplicates = 0;
            int duplicatesDiffering = 0;
            for (Received r : received) {
                Received before = first.putIfAbsent(r.id(), r);
                if (before == null) {
                    order.computeIfAbsent(r.aggregate(), a -> new ArrayList<>()).add(r.n());
                } else {
                    duplicates++;
                    if (!before.equals(r)) {
                        duplicatesDiffering++;
                    }
                }
            }
            long outOfOrder = order.values().stream()
                    .filter(ns -> {
                        for (int i = 1; i < ns.size(); i++) {
                            if (ns.get(i) < ns.get(i - 1)) {
                                return true;
                            }
                        }
                        return false;
                    })
                    .count();
            Set<String> lostLog = new java.util.HashSet<>(committed);
            lostLog.removeAll(logged);
            Set<String> lostWebhook = new java.util.HashSet<>(committed);
            lostWebhook.removeAll(first.keySet());
            List<Double> waits = new ArrayList<>();
            try (Connection c = harness.pool.getConnection();
                    PreparedStatement ps = c.prepareStatement("SELECT extract(epoch FROM (SELECT min(b.requested_at)"
                            + " FROM webhook_attempt b WHERE b.delivery_id = a.delivery_id AND b.id > a.id)"
                            + " - a.requested_at) FROM webhook_attempt a WHERE a.outcome IS NULL");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getObject(1) != null) {
                        waits.add(rs.getDouble(1));
                    }
                }
            }
            System.out.println();
            System.out.println("| kills | committed | logged | received (distinct) | lost: log / webhook | duplicates"
                    + " (differing) | aggregates out of order | cut deliveries | their wait p50 / max s | last exit |");
            System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            double[] p50 = waits.isEmpty() ? new double[] {0, 0, 0} : Harness.percentiles(new ArrayList<>(waits));
            System.out.printf(
                    "| %d | %d | %d | %d | %d / %d | %d (%d) | %d | %d | %.1f / %.1f | %d |%n",
                    kills,
                    committed.size(),
                    logged.size(),
                    first.size(),
                    lostLog.size(),
                    lostWebhook.size(),
                    duplicates,
                    duplicatesDiffering,
                    outOfOrder,
                    waits.size(),
                    p50[0],
                    waits.stream().mapToDouble(Double::doubleValue).max().orElse(0),
                    exit);
        }
        System.exit(0);
    }

    /** Commits one event per transaction, each aggregate's {@code n} counting up in commit order. */
    private static void write(Harness h, Set<String> committed, AtomicBoolean writing, int rate, int aggregates) {
        long[] next = new long[aggregates];
        long interval = 1_000_000_000L / rate;
        long due = System.nanoTime();
        int i = 0;
        try (Connection c = h.pool.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT ledgerbox_emit('order', ?, 'order.changed', ?::jsonb, 'soak')::text")) {
            while (writing.get()) {
                int a = i++ % aggregates;
                ps.setString(1, "agg-" + a);
                ps.setString(2, "{\"agg\": \"agg-" + a + "\", \"n\": " + next[a] + "}");
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    committed.add(rs.getString(1));
                    next[a]++;
                }
                due += interval;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("the writer failed", e);
        }
    }

    private static Process start(Path jar, EmbeddedDatabase db, Path out) throws IOException {
        ProcessBuilder b = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx256m",
                        "-jar",
                        jar.toString(),
                        "run",
                        "--jdbc-url",
                        db.jdbcUrl(),
                        "--user",
                        db.user(),
                        "--set",
                        "publisher.http.port=-1",
                        "--set",
                        "publisher.lease=5s",
                        "--set",
                        "publisher.poll-interval=100ms",
                        "--set",
                        "publisher.secrets.plaintext=true")
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .directory(new File("."));
        b.environment().put("PUBLISHER_JDBC_PASSWORD", db.password());
        return b.start();
    }

    private static void awaitLine(Path out, String text, Process p, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline && p.isAlive()) {
            if (Files.readString(out).contains(text)) {
                return;
            }
            Thread.sleep(20);
        }
    }
}
