package dev.ledgerbox.benchmarks.outbound;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.spi.AppenderAttachable;
import com.sun.net.httpserver.HttpServer;
import dev.ledgerbox.benchmarks.Cpu;
import dev.ledgerbox.benchmarks.Harness;
import dev.ledgerbox.outbound.CapturingHttpClient;
import dev.ledgerbox.outbound.OutboundCall;
import dev.ledgerbox.outbound.OutboundCapture;
import dev.ledgerbox.outbound.OutboundDestination;
import dev.ledgerbox.testing.EmbeddedDatabase;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.LoggerFactory;

/**
 * The application's own calls to a loopback server that answers in about 1 ms, through the same
 * {@code java.net.http} client with and without the outbound capture, in one run: per round both
 * variants back to back (rotating order), the throughput ratio taken per round; latencies are the
 * callers'. The capture writes its rows in the background: the run checks afterwards that every
 * attempt became a row (none dropped) and two {@code boundary_audit} lines in the log file that
 * {@code logback.xml} names, so that the ratio is not bought by losing records.
 * Durable, then not. Arguments: {@code threads=8 seconds=5 rounds=5 warmup=2}.
 */
public final class OutboundBenchmark {

    static final String REQUEST = "{\"amount\":4250,\"currency\":\"eur\",\"customer\":\"cus_%d\",\"order\":\"%d\"}";
    static final byte[] ANSWER = "{\"id\":\"ch_1\",\"status\":\"succeeded\"}".getBytes(StandardCharsets.UTF_8);

    private OutboundBenchmark() {}

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = Harness.arguments(argv);
        try (EmbeddedDatabase db = EmbeddedDatabase.start(false, 0);
                Harness harness = new Harness(db.migrate("outbound"), args)) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
            server.setExecutor(Executors.newFixedThreadPool(harness.threads * 2));
            server.createContext("/v1/charges", exchange -> {
                exchange.getRequestBody().readAllBytes();
                try {
                    Thread.sleep(1); // a provider that answers in about a millisecond
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.getResponseHeaders().set("Request-Id", "req_1");
                exchange.sendResponseHeaders(200, ANSWER.length);
                exchange.getResponseBody().write(ANSWER);
                exchange.close();
            });
            server.start();
            URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1/charges");
            System.out.printf("Outbound call benchmark: %s, HTTP/1.1 on loopback%n", harness.describe());

            harness.inBothModes(
                    "| mode | plain calls/s | captured calls/s | captured / plain (median of rounds, min-max)"
                            + " | plain p50 / p99 ms | captured p50 / p99 ms | added p50 / p99 ms | plain CPU µs per call, JVM /"
                            + " PostgreSQL | captured CPU µs per call, JVM / PostgreSQL | attempts | rows | dropped | lines |",
                    "aim: captured >= 0.9 of plain; no database round trip on the caller's thread",
                    mode -> run(harness, uri, mode));
            server.stop(0);
        }
        System.exit(0);
    }

    private static String run(Harness harness, URI uri, String mode) throws Exception {
        System.out.printf("%n== %s%n", mode);
        harness.execute("TRUNCATE outbound_attempt");
        Path log = boundaryLog();
        long linesBefore = lines(log, 0);
        HttpClient plainClient = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newFixedThreadPool(4))
                .build();
        try (OutboundCapture capture = OutboundCapture.builder(harness.pool)
                .queueCapacity(Integer.parseInt(System.getProperty("bench.capacity", "10000")))
                .destination(OutboundDestination.named("payments")
                        .idempotencyHeader("Idempotency-Key")
                        .requestIdHeader("Request-Id"))
                .build()) {
            HttpClient capturedClient = new CapturingHttpClient(plainClient, capture, "payments");
            AtomicLong keys = new AtomicLong();
            Caller plain = new Caller(plainClient, uri, keys, null);
            Caller captured = new Caller(capturedClient, uri, keys, capture);
            harness.run(plain, harness.warmup);
            harness.run(captured, harness.warmup);
            capture.flush(Duration.ofMinutes(1));
            plain.latencies.clear();
            captured.latencies.clear();
            List<Double> ratios = new ArrayList<>();
            double[] plainTotal = new double[4]; // calls, seconds, JVM CPU ns, PostgreSQL CPU ns
            double[] capturedTotal = new double[4];
            Map<String, Long> plainKinds = new java.util.TreeMap<>();
            Map<String, Long> capturedKinds = new java.util.TreeMap<>();
            for (int round = 0; round < harness.rounds; round++) {
                double plainRate = 0;
                double capturedRate = 0;
                for (int i = 0; i < 2; i++) {
                    boolean capturedTurn = (i + round) % 2 == 1;
                    Caller caller = capturedTurn ? captured : plain;
                    long started = System.nanoTime();
                    long jvm = Cpu.jvmNanos();
                    long postgres = Cpu.postgresNanos();
                    Map<String, Long> kindsBefore = Cpu.threadKinds();
                    long n = harness.run(caller, harness.seconds);
                    Map<String, Long> kindsAfter = Cpu.threadKinds();
                    Map<String, Long> kinds = capturedTurn ? capturedKinds : plainKinds;
                    kindsAfter.forEach((k, v) -> kinds.merge(k, v - kindsBefore.getOrDefault(k, 0L), Long::sum));
                    double elapsed = (System.nanoTime() - started) / 1e9;
                    double[] total = capturedTurn ? capturedTotal : plainTotal;
                    total[0] += n;
                    total[1] += elapsed;
                    total[2] += Cpu.jvmNanos() - jvm;
                    total[3] += Cpu.postgresNanos() - postgres;
                    if (capturedTurn) {
                        capturedRate = n / elapsed;
                    } else {
                        plainRate = n / elapsed;
                    }
                    System.out.printf(
                            Locale.ROOT,
                            "  round %d  %-8s %8.0f calls/s%n",
                            round + 1,
                            capturedTurn ? "captured" : "plain",
                            n / elapsed);
                }
                ratios.add(capturedRate / plainRate);
            }
            if (!capture.flush(Duration.ofMinutes(2))) {
                throw new IllegalStateException("the attempt writer did not catch up within two minutes");
            }
            long attempts = captured.calls.get();
            long rows;
            try (Connection c = harness.pool.getConnection();
                    Statement s = c.createStatement();
                    ResultSet rs =
                            s.executeQuery("SELECT count(*) FROM outbound_attempt WHERE responded_at IS NOT NULL")) {
                rs.next();
                rows = rs.getLong(1);
            }
            long lines = lines(log, linesBefore + 2 * attempts) - linesBefore;
            if (plain.failures.get() + captured.failures.get() > 0) {
                throw new IllegalStateException(
                        "calls failed: plain " + plain.failures + ", captured " + captured.failures);
            }
            System.out.println("  CPU µs per call by thread kind: plain / captured");
            java.util.Set<String> names = new java.util.TreeSet<>(plainKinds.keySet());
            names.addAll(capturedKinds.keySet());
            for (String name : names) {
                double pk = plainKinds.getOrDefault(name, 0L) / 1e3 / plainTotal[0];
                double ck = capturedKinds.getOrDefault(name, 0L) / 1e3 / capturedTotal[0];
                if (pk + ck >= 1) {
                    System.out.printf(Locale.ROOT, "    %-24s %6.1f / %6.1f%n", name, pk, ck);
                }
            }
            Collections.sort(ratios);
            double[] p = Harness.percentiles(new ArrayList<>(plain.latencies));
            double[] c = Harness.percentiles(new ArrayList<>(captured.latencies));
            return String.format(
                    Locale.ROOT,
                    "| %s | %.0f | %.0f | %.2f (%.2f-%.2f) | %.2f / %.2f | %.2f / %.2f | %.2f / %.2f | %.0f / %.0f | %.0f / %.0f"
                            + " | %d | %d | %d | %d |",
                    mode,
                    plainTotal[0] / plainTotal[1],
                    capturedTotal[0] / capturedTotal[1],
                    ratios.get(ratios.size() / 2),
                    ratios.get(0),
                    ratios.get(ratios.size() - 1),
                    p[0],
                    p[2],
                    c[0],
                    c[2],
                    c[0] - p[0],
                    c[2] - p[2],
                    plainTotal[2] / plainTotal[0] / 1e3,
                    plainTotal[3] / plainTotal[0] / 1e3,
                    capturedTotal[2] / capturedTotal[0] / 1e3,
                    capturedTotal[3] / capturedTotal[0] / 1e3,
                    attempts,
                    rows,
                    capture.droppedRows(),
                    lines);
        }
    }

    /** The file the {@code boundary_audit} lines go to, as {@code logback.xml} names it. */
    @SuppressWarnings("unchecked")
    private static Path boundaryLog() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        AppenderAttachable<ILoggingEvent> async = (AppenderAttachable<ILoggingEvent>)
                context.getLogger("ledgerbox.outbound").getAppender("BOUNDARY");
        return Path.of(((FileAppender<ILoggingEvent>) async.getAppender("BOUNDARY_FILE")).getFile());
    }

    /**
     * The lines in the file once it holds {@code expected} or stops growing for two seconds: the
     * lines are written on a background thread.
     */
    private static long lines(Path file, long expected) throws Exception {
        long count = -1;
        for (int unchanged = 0; unchanged < 20; Thread.sleep(100)) {
            long now = 0;
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buffer = new byte[1 << 16];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    for (int i = 0; i < n; i++) {
                        now += buffer[i] == '\n' ? 1 : 0;
                    }
                }
            }
            if (now >= expected) {
                return now;
            }
            unchanged = now == count ? unchanged + 1 : 0;
            count = now;
        }
        return count;
    }

    /** One call per transaction: a logical call with its business key, one attempt, its latency noted. */
    static final class Caller implements Harness.Work {
        final HttpClient http;
        final URI uri;
        final AtomicLong keys;
        final OutboundCapture capture;
        final ConcurrentLinkedQueue<Double> latencies = new ConcurrentLinkedQueue<>();
        final AtomicLong calls = new AtomicLong();
        final AtomicLong failures = new AtomicLong();

        Caller(HttpClient http, URI uri, AtomicLong keys, OutboundCapture capture) {
            this.http = http;
            this.uri = uri;
            this.keys = keys;
            this.capture = capture;
        }

        @Override
        public void transaction() throws Exception {
            long key = keys.incrementAndGet();
            HttpRequest request = HttpRequest.newBuilder(uri)
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer sk_test_benchmark")
                    .POST(HttpRequest.BodyPublishers.ofString(String.format(REQUEST, key, key)))
                    .build();
            long started = System.nanoTime();
            int status;
            if (capture == null) {
                status =
                        http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
            } else {
                try (OutboundCall call = capture.call("payments.charges.create", "order-" + key)) {
                    status = http.send(request, HttpResponse.BodyHandlers.ofString())
                            .statusCode();
                }
            }
            latencies.add((System.nanoTime() - started) / 1e6);
            calls.incrementAndGet();
            if (status != 200) {
                failures.incrementAndGet();
            }
        }
    }
}
