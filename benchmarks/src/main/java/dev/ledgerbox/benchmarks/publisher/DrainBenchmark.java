package dev.ledgerbox.benchmarks.publisher;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import dev.ledgerbox.benchmarks.BesideWatch;
import dev.ledgerbox.benchmarks.DatabaseCost;
import dev.ledgerbox.benchmarks.Harness;
import dev.ledgerbox.benchmarks.HeapPeak;
import dev.ledgerbox.publisher.PublisherSettings;
import dev.ledgerbox.publisher.app.Daemon;
import dev.ledgerbox.publisher.outbox.LogSink;
import dev.ledgerbox.testing.EmbeddedDatabase;
import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.LoggerFactory;

/**
 * The publisher's drain rate and latency, on embedded PostgreSQL:
 *
 * <ul>
 *   <li><b>raw claim limit</b>: one claimer running {@code UPDATE … WHERE id IN (SELECT … ORDER BY
 *       next_attempt_at, position LIMIT 500 FOR UPDATE SKIP LOCKED) RETURNING …} with a no-op
 *       handler until the table is drained (the order of the claim index, which both use; ordered
 *       by {@code position} alone, each claim would sort every pending row);
 *   <li><b>ledgerbox publisher</b>: one instance (batch 500, 8 delivery threads) draining the same
 *       pre-loaded events through the log sink into a file;
 *   <li><b>latency</b>: a writer in another JVM commits 1,000 events/s, one per transaction; the
 *       time from each commit to its log line, p50/p95/p99 and the longest (the longest stall any
 *       event saw);
 *   <li><b>instances</b>: the same events drained by two, then four publisher instances on the one
 *       database (each its own daemon, pool and instance id, in this JVM): their rate, and every
 *       event's log lines counted, so that one written twice shows as a duplicate and one missing
 *       fails the run.
 * </ul>
 *
 * <p>Each drain prints the heap it needed ({@link HeapPeak}): with {@code -Xmx256m events=1000000
 * latencySeconds=0 instances=} a backlog of a million events shows that the publisher's memory
 * does not grow with it.
 *
 * Durable settings first, then non-durable. Each drain reports its CPU per event in this JVM and in
 * PostgreSQL and the WAL written per event; with {@code statements=true} PostgreSQL loads {@code
 * pg_stat_statements} and the publisher's drain lists its statements by time. A warm-up drain of
 * {@code warmup} events (default: as many as {@code events}) comes first and is not counted.
 * Arguments: {@code events=200000 latencySeconds=20 warmup=events statements=false instances=2,4}
 * ({@code latencySeconds=0} and an empty {@code instances=} leave those phases out).
 */
public final class DrainBenchmark {

    private DrainBenchmark() {}

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = Harness.arguments(argv);
        int events = Integer.parseInt(args.getOrDefault("events", "200000"));
        int latencySeconds = Integer.parseInt(args.getOrDefault("latencySeconds", "20"));
        boolean statements = Boolean.parseBoolean(args.getOrDefault("statements", "false"));
        List<Integer> instances = Arrays.stream(
                        args.getOrDefault("instances", "2,4").split(","))
                .filter(n -> !n.isBlank())
                .map(n -> Integer.valueOf(n.trim()))
                .toList();
        Path work = Files.createTempDirectory("ledgerbox-drain");
        try (EmbeddedDatabase db = EmbeddedDatabase.startWith(true, 0, Harness.serverConfig(args))
                        .migrate("outbox");
                Harness harness = new Harness(db, args)) {
            System.out.printf("%nPublisher drain benchmark: %d events, PostgreSQL%n", events);
            Map<String, double[]> results = new HashMap<>();
            List<String> scaling = new ArrayList<>();
            // a warm-up drain, not counted: the first phase would otherwise pay for the JIT (with a
            // fifth of the events, the durable phase's compiler threads still took 2.5 s of CPU)
            int warmup = Integer.parseInt(args.getOrDefault("warmup", String.valueOf(events)));
            preload(harness, warmup);
            System.out.printf(
                    Locale.ROOT,
                    "  warm-up: %d events drained, not counted (%.0f events/s)%n",
                    warmup,
                    drain(db, harness, warmup, 1, work.resolve("warm-up.log")));
            // then both modes' raw claim and drain once, not counted either: with the warm-up alone
            // the first measured drain still paid 9-17 us of JIT an event (the driver's result
            // processing, the log appender compiled again after the raw claim's phase)
            System.out.println("  a first pass of both modes, not counted:");
            for (boolean durable : new boolean[] {true, false}) {
                harness.setDurable(durable);
                preload(harness, events);
                rawClaim(harness, events);
                preload(harness, events);
                drain(db, harness, events, 1, work.resolve("first-pass-" + durable + ".log"));
            }
            System.out.println("  the measured pass:");
            for (boolean durable : new boolean[] {true, false}) {
                harness.setDurable(durable);
                String mode = durable ? "durable" : "non-durable";
                preload(harness, events);
                DatabaseCost before = DatabaseCost.now(harness.pool);
                double raw = rawClaim(harness, events);
                before.printSince(harness.pool, "raw claim, ", events, "row");
                preload(harness, events);
                if (statements) {
                    DatabaseCost.resetStatements(harness.pool);
                }
                double publisher = drain(db, harness, events, 1, work.resolve(mode + "-events.log"));
                if (statements) {
                    DatabaseCost.printStatements(harness.pool, 8);
                }
                scaling.add(scalingRow(mode, 1, publisher, publisher, events, work.resolve(mode + "-events.log")));
                for (int n : instances) {
                    preload(harness, events);
                    Path file = work.resolve(mode + "-" + n + "-instances.log");
                    scaling.add(scalingRow(mode, n, drain(db, harness, events, n, file), publisher, events, file));
                }
                double[] latency = latencySeconds > 0
                        ? latency(db, harness, latencySeconds, work.resolve(mode + "-latency.log"))
                        : new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
                results.put(mode, new double[] {raw, publisher, latency[0], latency[1], latency[2], latency[3]});
                System.out.printf(
                        Locale.ROOT,
                        "  %s: raw claim limit %.0f rows/s, publisher %.0f events/s (%.2f), latency p50 %s ms,"
                                + " p95 %s ms, p99 %s ms, longest %s ms%n",
                        mode,
                        raw,
                        publisher,
                        publisher / raw,
                        millis(latency[0]),
                        millis(latency[1]),
                        millis(latency[2]),
                        millis(latency[3]));
            }
            System.out.println();
            System.out.println(
                    "| mode | raw claim limit rows/s | publisher events/s | ratio | p50 ms | p95 ms | p99 ms | longest ms |");
            System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
            for (String mode : List.of("durable", "non-durable")) {
                double[] r = results.get(mode);
                System.out.printf(
                        Locale.ROOT,
                        "| %s | %.0f | %.0f | %.2f | %s | %s | %s | %s |%n",
                        mode,
                        r[0],
                        r[1],
                        r[1] / r[0],
                        millis(r[2]),
                        millis(r[3]),
                        millis(r[4]),
                        millis(r[5]));
            }
            System.out.println("(aims: ratio >= 0.8, p99 <= 50 ms at 1,000 events/s, no event waits 1 s or more)");
            System.out.println();
            System.out.println("| mode | instances | events/s | to one instance | log lines | duplicates |");
            System.out.println("|---|---:|---:|---:|---:|---:|");
            scaling.forEach(System.out::println);
            System.out.println("(aim: no duplicates; an event without its line fails the run)");
        }
    }

    /** Milliseconds with one decimal; "-" for a latency phase left out ({@code latencySeconds=0}). */
    private static String millis(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.1f", value);
    }

    /**
     * A row of the instances table; counts the event ids of the drain's log lines, each of which
     * must be there, and how many lines repeat one.
     */
    private static String scalingRow(String mode, int instances, double rate, double alone, int events, Path file)
            throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        Set<String> seen = new HashSet<>();
        long lines = 0;
        try (BufferedReader in = Files.newBufferedReader(file)) {
            for (String line; (line = in.readLine()) != null; ) {
                lines++;
                seen.add(json.readTree(line).get("event_id").asText());
            }
        }
        if (seen.size() != events) {
            throw new IllegalStateException(
                    instances + " instance(s) logged " + seen.size() + " of " + events + " events in " + file);
        }
        return String.format(
                Locale.ROOT,
                "| %s | %d | %.0f | %.2f | %d | %d |",
                mode,
                instances,
                rate,
                rate / alone,
                lines,
                lines - seen.size());
    }

    /** Loads events as the writer stores them, one aggregate each, straight with SQL. */
    private static void preload(Harness harness, int events) {
        harness.execute("TRUNCATE outbox_event, outbox_aggregate, outbox_listener");
        harness.execute("INSERT INTO outbox_event (id, aggregatetype, aggregateid, type, payload, aggregate_seq,"
                + " occurred_at, correlation_id)"
                + " SELECT gen_random_uuid(), 'order', 'o-' || i, 'order.created',"
                + " jsonb_build_object('id', i, 'customer', 'customer-' || (i % 1000), 'total', i * 1.5,"
                + " 'status', 'NEW'), 1, now(), 'bench-' || i"
                + " FROM generate_series(1, " + events + ") AS i");
        harness.execute("VACUUM ANALYZE outbox_event");
    }

    private static double rawClaim(Harness harness, int events) throws Exception {
        long started = System.nanoTime();
        long drained = 0;
        try (Connection c = harness.pool.getConnection();
                PreparedStatement ps = c.prepareStatement("UPDATE outbox_event SET status = 'DELIVERED',"
                        + " delivered_at = now() WHERE id IN (SELECT id FROM outbox_event WHERE status = 'PENDING'"
                        + " ORDER BY next_attempt_at, position LIMIT 500 FOR UPDATE SKIP LOCKED)"
                        + " RETURNING id, type, aggregatetype, aggregateid, payload::text, correlation_id")) {
            int n;
            do {
                n = 0;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rs.getString(5); // the no-op handler reads the row
                        n++;
                    }
                }
                drained += n;
            } while (n > 0);
        }
        if (drained != events) {
            throw new IllegalStateException("the raw claimer drained " + drained + " of " + events);
        }
        return events * 1e9 / (System.nanoTime() - started);
    }

    private static PublisherSettings settings(EmbeddedDatabase db, String instanceId) {
        return Harness.publisherSettings(
                db,
                "publisher.batch-size",
                "500",
                "publisher.concurrency",
                "8",
                "publisher.poll-interval",
                "1s",
                "publisher.instance-id",
                instanceId);
    }

    /** Sends the event log lines to a file, JSON encoded, as in production but not to the console. */
    private static FileAppender<ILoggingEvent> logTo(Path file) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        LogstashEncoder encoder = new LogstashEncoder();
        encoder.setContext(context);
        encoder.start();
        FileAppender<ILoggingEvent> appender = new FileAppender<>();
        appender.setContext(context);
        appender.setFile(file.toString());
        appender.setEncoder(encoder);
        appender.setImmediateFlush(false);
        appender.start();
        Logger events = context.getLogger("ledgerbox.events");
        events.detachAndStopAllAppenders();
        events.setAdditive(false);
        events.setLevel(Level.INFO);
        events.addAppender(appender);
        context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.WARN);
        return appender;
    }

    /**
     * Events per second from the daemons' construction to the moment the table is seen drained by
     * {@code instances} daemons (their lines in one file); their start is counted, their stop
     * (after the last event was recorded) is not.
     */
    private static double drain(EmbeddedDatabase db, Harness harness, int events, int instances, Path file)
            throws Exception {
        FileAppender<ILoggingEvent> appender = logTo(file);
        DatabaseCost before = DatabaseCost.now(harness.pool);
        HeapPeak heap = HeapPeak.start();
        long started = System.nanoTime();
        long drained;
        List<Daemon> daemons = new ArrayList<>();
        try {
            for (int i = 1; i <= instances; i++) {
                daemons.add(new Daemon(settings(db, "bench-" + i), new LogSink(false)).start());
            }
            while (waiting(harness)) {
                Thread.sleep(20);
            }
            drained = System.nanoTime();
            // before the stop: the publisher's sessions end with it, and their CPU time with them
            String label = instances == 1 ? "publisher, " : instances + " publishers, ";
            before.printSince(harness.pool, label, events, "event");
            System.out.println("  " + heap.stop());
        } finally {
            heap.close();
            for (Daemon daemon : daemons) {
                daemon.close();
            }
        }
        System.out.printf(
                Locale.ROOT, "  (the daemons' stop took %.0f ms, not counted)%n", (System.nanoTime() - drained) / 1e6);
        appender.stop();
        return events * 1e9 / (drained - started);
    }

    /**
     * Whether an event still waits, through the claim index: a cheap look, so that watching the
     * drain does not slow it (a count(*) over the table every few milliseconds would).
     */
    private static boolean waiting(Harness harness) throws Exception {
        try (Connection c = harness.pool.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT EXISTS (SELECT 1 FROM outbox_event"
                        + " WHERE status IN ('PENDING', 'CLAIMED', 'FAILED'))")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /**
     * Runs a writer JVM that commits one event per transaction at 1,000/s and prints each event's
     * id and commit instant; returns p50, p95, p99 of commit-to-log-line in milliseconds.
     */
    private static double[] latency(EmbeddedDatabase db, Harness harness, int seconds, Path file) throws Exception {
        harness.execute("TRUNCATE outbox_event, outbox_aggregate, outbox_listener");
        FileAppender<ILoggingEvent> appender = logTo(file);
        appender.setImmediateFlush(true);
        Map<String, Instant> committed = new HashMap<>();
        BesideWatch beside = BesideWatch.start(harness.pool);
        try (Daemon daemon = new Daemon(settings(db, "bench-1"), new LogSink(false)).start()) {
            Thread.sleep(1000); // asleep and listening
            committed.putAll(LatencyWriter.run(db.jdbcUrl(), seconds, 1000));
            while (waiting(harness)) {
                Thread.sleep(50);
            }
        } finally {
            beside.close();
        }
        appender.stop();
        List<Double> millis = new ArrayList<>();
        Map<String, Instant> logged = new HashMap<>();
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String line : Files.readAllLines(file)) {
            var node = json.readTree(line);
            String id = node.get("event_id").asText();
            Instant commit = committed.get(id);
            if (commit != null) {
                Instant at = java.time.OffsetDateTime.parse(
                                node.get("@timestamp").asText())
                        .toInstant();
                logged.put(id, at);
                millis.add(java.time.Duration.between(commit, at).toNanos() / 1e6);
            }
        }
        if (millis.size() != committed.size()) {
            throw new IllegalStateException("logged " + millis.size() + " of " + committed.size() + " events");
        }
        Harness.printSlowestBySecond(committed, logged);
        beside.print(committed.values().stream().min(Instant::compareTo).orElseThrow(), seconds);
        return Harness.percentiles(millis);
    }
}
