package dev.ledgerbox.benchmarks.publisher;

import dev.ledgerbox.outbox.OutboxEvent;
import dev.ledgerbox.outbox.internal.JsonbPayloadSerializer;
import dev.ledgerbox.outbox.internal.OutboxSettings;
import dev.ledgerbox.outbox.internal.OutboxWriter;
import dev.ledgerbox.outbox.spi.TraceContext;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;

/**
 * The latency benchmarks' writer, run as its own JVM: commits one event per transaction at a steady
 * rate (1,000 per second unless told) and prints each event's id and the instant its commit
 * returned.
 *
 * <p>Arguments: JDBC URL, seconds, [events per second].
 */
public final class LatencyWriter {

    private LatencyWriter() {}

    /**
     * Runs the writer as its own JVM, with this JVM's class path, and returns each event's id
     * and the instant its commit returned, once the writer is done.
     */
    static Map<String, Instant> run(String jdbcUrl, int seconds, int perSecond) throws Exception {
        return run(jdbcUrl, 0, seconds, perSecond);
    }

    /**
     * The same, writing for {@code warmupSeconds} more first and returning only the events after
     * those: the writer's JVM and the code that takes its events on have run and compiled by then.
     */
    static Map<String, Instant> run(String jdbcUrl, int warmupSeconds, int seconds, int perSecond) throws Exception {
        int uncounted = warmupSeconds * perSecond;
        Process writer = new ProcessBuilder(
                        java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java")
                                .toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        LatencyWriter.class.getName(),
                        jdbcUrl,
                        Integer.toString(warmupSeconds + seconds),
                        Integer.toString(perSecond))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        Map<String, Instant> committed = new java.util.HashMap<>();
        try (java.io.BufferedReader lines = new java.io.BufferedReader(
                new java.io.InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            for (int n = 0; (line = lines.readLine()) != null; n++) {
                if (n >= uncounted) {
                    String[] parts = line.split(" ");
                    committed.put(parts[0], Instant.parse(parts[1]));
                }
            }
        }
        if (!writer.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || writer.exitValue() != 0) {
            throw new IllegalStateException("the latency writer failed");
        }
        return committed;
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        int seconds = Integer.parseInt(args[1]);
        int perSecond = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        long gapNanos = 1_000_000_000L / perSecond;
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        try (JsonbPayloadSerializer json = new JsonbPayloadSerializer();
                Connection c = DriverManager.getConnection(url, "postgres", "postgres")) {
            OutboxWriter writer = new OutboxWriter(json, OutboxSettings.defaults(), Clock.systemUTC());
            long start = System.nanoTime();
            int total = seconds * perSecond;
            for (int i = 0; i < total; i++) {
                long due = start + i * gapNanos;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                UUID id = writer.write( // autocommit: the statement is the transaction
                        c,
                        OutboxEvent.of("order", "latency-" + i, "order.created", Map.of("i", i)),
                        "latency",
                        TraceContext.NONE,
                        () -> "LatencyWriter");
                out.println(id + " " + Instant.now());
            }
        }
        out.flush();
    }
}
