package dev.ledgerbox.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.ledgerbox.publisher.PublisherSettings;
import dev.ledgerbox.testing.EmbeddedDatabase;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs variants of a transaction on many threads for a fixed time, interleaved round by round so
 * that machine noise spreads evenly, and reports transactions per second and ratios to a baseline.
 *
 * <p>Arguments: {@code threads=8 seconds=5 rounds=3 warmup=2}, {@code only=raw,ledgerbox} to run
 * only the variants whose names contain one of those words (and the baseline), and {@code
 * waits=true} to print, per variant, what the database's sessions were doing (their wait events,
 * sampled every few milliseconds).
 */
public final class Harness implements AutoCloseable {

    /** One transaction of a variant. */
    @FunctionalInterface
    public interface Work {
        void transaction() throws Exception;

        /** Finishes work the transactions left behind; its time counts against the variant. */
        default void settle() throws Exception {}
    }

    public final int threads;
    public final int seconds;
    public final int rounds;
    public final int warmup;
    public final HikariDataSource pool;
    private final EmbeddedDatabase db;
    /** Variant names must contain one of these to run (argument {@code only}); all when empty. */
    private final List<String> only;
    /** Sample the sessions' wait events while variants run (argument {@code waits}). */
    private final boolean waits;

    public Harness(EmbeddedDatabase db, Map<String, String> args) {
        this.db = db;
        this.threads = Integer.parseInt(args.getOrDefault("threads", "8"));
        this.seconds = Integer.parseInt(args.getOrDefault("seconds", "5"));
        this.rounds = Integer.parseInt(args.getOrDefault("rounds", "3"));
        this.warmup = Integer.parseInt(args.getOrDefault("warmup", "2"));
        String only = args.getOrDefault("only", "");
        this.only = only.isBlank() ? List.of() : List.of(only.split(","));
        this.waits = Boolean.parseBoolean(args.getOrDefault("waits", "false"));
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.jdbcUrl());
        config.setUsername(db.user());
        config.setPassword(db.password());
        config.setMaximumPoolSize(threads * 2 + 4);
        config.setAutoCommit(true);
        this.pool = new HikariDataSource(config);
    }

    public static Map<String, String> arguments(String[] argv) {
        Map<String, String> args = new LinkedHashMap<>();
        for (String a : argv) {
            String[] kv = a.split("=", 2);
            args.put(kv[0], kv.length > 1 ? kv[1] : "");
        }
        return args;
    }

    /**
     * The benchmark server's settings: {@code pg_stat_statements} when {@code statements} is on,
     * and any argument {@code pg.NAME=VALUE} (e.g. {@code pg.wal_init_zero=off}), to try a server
     * setting without changing the code.
     */
    public static Map<String, String> serverConfig(Map<String, String> args) {
        Map<String, String> config = new LinkedHashMap<>();
        if (Boolean.parseBoolean(args.getOrDefault("statements", "false"))) {
            config.putAll(DatabaseCost.STATEMENTS_CONFIG);
        }
        args.forEach((key, value) -> {
            if (key.startsWith("pg.")) {
                config.put(key.substring(3), value);
            }
        });
        return config;
    }

    /**
     * The variants this run measures: those the {@code only} argument names (a variant whose name
     * contains one of its words), and the {@code baseline}, which every ratio table needs.
     */
    public Map<String, Work> selected(Map<String, Work> variants, String baseline) {
        Map<String, Work> kept = new LinkedHashMap<>(variants);
        kept.keySet()
                .removeIf(name -> !name.contains(baseline)
                        && !only.isEmpty()
                        && only.stream().noneMatch(name::contains));
        return kept;
    }

    public String describe() throws Exception {
        return String.format(
                "%d threads, %d rounds of %d s per variant, PostgreSQL %s", threads, rounds, seconds, serverVersion());
    }

    /**
     * What {@link #measure} found: each variant's rate over all its rounds, and its rate in each
     * round, so that ratios can be taken per round (paired: two variants measured back to back).
     */
    public record Measured(Map<String, Double> rates, Map<String, List<Double>> rounds) {}

    /**
     * Runs every variant for {@code warmup} seconds (discarded), then {@code rounds} rounds of every
     * variant back to back, in an order that rotates each round; returns transactions per second.
     */
    public Measured measure(String mode, Map<String, Work> variants, Runnable clear) throws Exception {
        System.out.printf("%n== %s%n  warm-up: %d s per variant, discarded%n", mode, warmup);
        for (Work work : variants.values()) {
            run(work, warmup);
        }
        // transactions, elapsed, JVM CPU, PostgreSQL CPU, the JVM's collector and compiler CPU,
        // PostgreSQL's client backends' CPU
        Map<String, long[]> totals = new LinkedHashMap<>();
        Map<String, List<Double>> perRound = new LinkedHashMap<>();
        variants.keySet().forEach(name -> {
            totals.put(name, new long[7]);
            perRound.put(name, new ArrayList<>());
        });
        List<String> order = new ArrayList<>(variants.keySet());
        WaitSampler sampler = waits ? WaitSampler.start(pool) : null;
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < order.size(); i++) {
                String name = order.get((i + round) % order.size());
                clear.run();
                if (sampler != null) {
                    sampler.attribute(name);
                }
                long started = System.nanoTime();
                long jvm = Cpu.jvmNanos();
                long[] postgres = Cpu.postgresNanosByKind();
                long[] own = Cpu.collectorAndCompilerNanos();
                long count = run(variants.get(name), seconds);
                long elapsed = System.nanoTime() - started;
                if (sampler != null) {
                    sampler.attribute(null);
                }
                totals.get(name)[0] += count;
                totals.get(name)[1] += elapsed;
                totals.get(name)[2] += Cpu.jvmNanos() - jvm;
                long[] postgresAfter = Cpu.postgresNanosByKind();
                totals.get(name)[3] += postgresAfter[0] + postgresAfter[1] - postgres[0] - postgres[1];
                totals.get(name)[6] += postgresAfter[0] - postgres[0];
                long[] ownAfter = Cpu.collectorAndCompilerNanos();
                totals.get(name)[4] += ownAfter[0] - own[0];
                totals.get(name)[5] += ownAfter[1] - own[1];
                perRound.get(name).add(count * 1e9 / elapsed);
                System.out.printf(
                        Locale.ROOT, "  round %d  %-40s %8.0f tx/s%n", round + 1, name, count * 1e9 / elapsed);
            }
        }
        Map<String, Double> rates = new LinkedHashMap<>();
        totals.forEach((name, t) -> rates.put(name, t[0] * 1e9 / t[1]));
        System.out.println("  CPU per transaction over all rounds (this JVM, of it its collector and JIT compiler;"
                + " PostgreSQL, of it its client backends; the rest is its own processes, such as autovacuum;"
                + " the machine's cores are shared):");
        totals.forEach((name, t) -> System.out.printf(
                Locale.ROOT,
                "    %-40s JVM %6.1f µs (collector %5.1f, compiler %5.1f), PostgreSQL %6.1f µs (clients %5.1f)%n",
                name,
                t[2] / 1e3 / t[0],
                t[4] / 1e3 / t[0],
                t[5] / 1e3 / t[0],
                t[3] / 1e3 / t[0],
                t[6] / 1e3 / t[0]));
        if (sampler != null) {
            sampler.stopAndPrint(6);
        }
        return new Measured(rates, perRound);
    }

    /** One mode's run: returns its line of the results table. */
    @FunctionalInterface
    public interface ModeRun {
        String run(String mode) throws Exception;
    }

    /**
     * Runs durable, then non-durable, and prints the Markdown table of their lines under {@code
     * header} (its columns separated by {@code |}), then the aim.
     */
    public void inBothModes(String header, String aim, ModeRun run) throws Exception {
        List<String> lines = new ArrayList<>();
        for (boolean durable : new boolean[] {true, false}) {
            setDurable(durable);
            lines.add(run.run(durable ? "durable" : "non-durable"));
        }
        int columns = header.split("\\|", -1).length - 2;
        System.out.println();
        System.out.println(header);
        System.out.println("|---" + "|---:".repeat(columns - 1) + "|");
        lines.forEach(System.out::println);
        System.out.println("(" + aim + ")");
    }

    /** Runs the work on all threads for the given time; returns the number of transactions done. */
    public long run(Work work, int durationSeconds) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        List<Future<Long>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            futures.add(executor.submit(() -> {
                long n = 0;
                while (!stop.get()) {
                    work.transaction();
                    n++;
                }
                return n;
            }));
        }
        Thread.sleep(durationSeconds * 1000L);
        stop.set(true);
        long total = 0;
        for (Future<Long> f : futures) {
            total += f.get();
        }
        executor.shutdown();
        work.settle();
        return total;
    }

    /**
     * Runs the database durable ({@code fsync}, {@code synchronous_commit} and {@code
     * full_page_writes} on) or not, restarting it when it runs the other way (see {@link
     * EmbeddedDatabase#restart}), and checks that it does.
     */
    public void setDurable(boolean durable) throws Exception {
        if (db.durable() != durable) {
            db.restart(durable);
            pool.getHikariPoolMXBean().softEvictConnections(); // those of the server before are broken
        }
        String expected = durable ? "on" : "off";
        for (String setting : List.of("fsync", "synchronous_commit", "full_page_writes")) {
            String actual = value("SHOW " + setting);
            if (!expected.equals(actual)) {
                throw new IllegalStateException(
                        "the database runs with " + setting + "=" + actual + ", the run needs " + expected);
            }
        }
    }

    private String value(String sql) throws Exception {
        for (int tries = 1; ; tries++) {
            try (Connection c = pool.getConnection();
                    Statement s = c.createStatement();
                    java.sql.ResultSet rs = s.executeQuery(sql)) {
                rs.next();
                return rs.getString(1);
            } catch (java.sql.SQLException e) { // a connection of the server before the restart
                if (tries >= 5) {
                    throw e;
                }
            }
        }
    }

    public void execute(String sql) {
        try (Connection c = pool.getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (Exception e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    /**
     * The publisher's settings for a benchmark on {@code db}: no HTTP server, no retention purge,
     * no audit sealing (work the benchmark does not measure), then {@code keysAndValues}.
     */
    public static PublisherSettings publisherSettings(EmbeddedDatabase db, String... keysAndValues) {
        Map<String, String> values = db.publisherSettings(
                "publisher.http.port", "-1", "publisher.retention", "0", "publisher.audit.seal-interval", "0");
        values.putAll(db.publisherSettings(keysAndValues));
        return PublisherSettings.from(values::get);
    }

    /** The number a one-row, one-column query returns, such as {@code SELECT count(*) ...}. */
    public long count(String sql) {
        try (Connection c = pool.getConnection();
                Statement s = c.createStatement();
                var rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    private String serverVersion() throws Exception {
        try (Connection c = pool.getConnection();
                Statement s = c.createStatement();
                var rs = s.executeQuery("SHOW server_version")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Prints a Markdown table of both modes with ratios to the baseline. */
    public static void printTable(Map<String, Double> durable, Map<String, Double> fast, String baseline) {
        System.out.println();
        System.out.println("| variant | durable tx/s | ratio | non-durable tx/s | ratio |");
        System.out.println("|---|---:|---:|---:|---:|");
        for (String name : durable.keySet()) {
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %.0f | %.2f | %.0f | %.2f |%n",
                    name,
                    durable.get(name),
                    durable.get(name) / durable.get(baseline),
                    fast.get(name),
                    fast.get(name) / fast.get(baseline));
        }
    }

    /**
     * Prints the ratio of two variants, taken per round (paired) in each mode: the median, the
     * min–max, and the 95 % interval of the mean ratio (Student's t), which a verdict needs to be
     * narrower than ±5 %; says so when it is not.
     */
    public static void printRatio(String label, Measured durable, Measured fast, String of, String to, String aim) {
        if (!durable.rates().containsKey(of) || !durable.rates().containsKey(to)) {
            return; // a variant left out of this run
        }
        System.out.printf(
                Locale.ROOT,
                "%s (aim: %s)%n  durable:     %s%n  non-durable: %s%n",
                label,
                aim,
                paired(durable, of, to),
                paired(fast, of, to));
    }

    /** The per-round ratios of {@code of} to {@code to}: median, min–max, 95 % interval of the mean. */
    static String paired(Measured m, String of, String to) {
        List<Double> a = m.rounds().get(of);
        List<Double> b = m.rounds().get(to);
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            ratios.add(a.get(i) / b.get(i));
        }
        int n = ratios.size();
        double mean = ratios.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double variance = n < 2
                ? Double.NaN
                : ratios.stream().mapToDouble(r -> (r - mean) * (r - mean)).sum() / (n - 1);
        double half = n < 2 ? Double.NaN : T_975[Math.min(n - 1, T_975.length - 1)] * Math.sqrt(variance / n);
        List<Double> sorted = new ArrayList<>(ratios);
        Collections.sort(sorted);
        double median = median(ratios);
        return String.format(
                Locale.ROOT,
                "median %.3f, min-max %.3f-%.3f, 95 %% interval of the mean %.3f-%.3f (+/- %.1f %%), %d paired rounds%s",
                median,
                sorted.get(0),
                sorted.get(n - 1),
                mean - half,
                mean + half,
                100 * half / mean,
                n,
                half / mean <= 0.05 ? "" : "; wider than +/- 5 %: run more rounds before a verdict");
    }

    /** Student's t, two-sided 95 %, by degrees of freedom (index); the last entry for 30 and more. */
    private static final double[] T_975 = {
        Double.NaN,
        12.706,
        4.303,
        3.182,
        2.776,
        2.571,
        2.447,
        2.365,
        2.306,
        2.262,
        2.228,
        2.201,
        2.179,
        2.160,
        2.145,
        2.131,
        2.120,
        2.110,
        2.101,
        2.093,
        2.086,
        2.080,
        2.074,
        2.069,
        2.064,
        2.060,
        2.056,
        2.052,
        2.048,
        2.045,
        2.042
    };

    /**
     * The slowest commit-to-arrival of each second of a latency phase (by commit): whether the tail
     * is a few stalls or spread.
     */
    public static void printSlowestBySecond(
            Map<String, java.time.Instant> committed, Map<String, java.time.Instant> arrived) {
        java.time.Instant first =
                committed.values().stream().min(java.time.Instant::compareTo).orElseThrow();
        java.util.TreeMap<Long, Double> slowest = new java.util.TreeMap<>();
        committed.forEach((id, at) -> slowest.merge(
                java.time.Duration.between(first, at).toSeconds(),
                java.time.Duration.between(at, arrived.get(id)).toNanos() / 1e6,
                Math::max));
        StringBuilder line = new StringBuilder("    slowest by second (ms):");
        slowest.values().forEach(ms -> line.append(String.format(Locale.ROOT, " %.0f", ms)));
        System.out.println(line);
    }

    /** The median of the values (the mean of the middle two of an even count); the list is left as it is. */
    public static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** p50, p95, p99 and the largest of the values (milliseconds, say); sorts the list. */
    public static double[] percentiles(List<Double> values) {
        Collections.sort(values);
        return new double[] {
            percentile(values, 50), percentile(values, 95), percentile(values, 99), values.get(values.size() - 1)
        };
    }

    private static double percentile(List<Double> sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(index, sorted.size() - 1)));
    }

    @Override
    public void close() {
        pool.close();
    }
}
