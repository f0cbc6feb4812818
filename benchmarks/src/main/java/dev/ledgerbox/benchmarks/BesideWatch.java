package dev.ledgerbox.benchmarks;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * What ran beside a latency phase, second by second, to set next to its slowest waits: the
 * machine's CPU in use (all processes: the publisher, the writer's JVM, PostgreSQL), this JVM's
 * collector pauses, PostgreSQL's autovacuum workers (and on which table), the buffers its
 * checkpointer wrote, the WAL flushes and the time they took ({@code track_wal_io_timing}, turned
 * on), and what its sessions were seen waiting for (a lock, a WAL flush). Sampled
 * every 100 ms on a thread of its own, with one connection.
 */
public final class BesideWatch implements AutoCloseable {

    private static final long EVERY_MILLIS = 100;

    private record Sample(
            Instant at,
            double busy,
            double ioWait,
            long gcMillis,
            long jitNanos,
            String vacuum,
            long checkpointBuffers,
            String waits,
            long walSyncs,
            double walSyncMillis) {}

    private final DataSource db;
    private final List<Sample> samples = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    private BesideWatch(DataSource db) {
        this.db = db;
        this.thread = new Thread(this::watch, "beside-watch");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Starts watching. */
    public static BesideWatch start(DataSource db) {
        return new BesideWatch(db);
    }

    private void watch() {
        long[] cpuBefore = Cpu.machineTicks();
        try (Connection c = db.getConnection();
                Statement s = c.createStatement()) {
            s.execute("ALTER SYSTEM SET track_wal_io_timing = on"); // the time each WAL sync took
            s.execute("SELECT pg_reload_conf()");
            while (running) {
                Thread.sleep(EVERY_MILLIS);
                long[] cpu = Cpu.machineTicks();
                long total = cpu[0] - cpuBefore[0];
                double busy = total <= 0 ? 0 : 1.0 - (double) (cpu[1] - cpuBefore[1]) / total;
                double ioWait = total <= 0 ? 0 : (double) (cpu[2] - cpuBefore[2]) / total;
                cpuBefore = cpu;
                String vacuum;
                long buffers;
                String waits;
                long walSyncs;
                double walSyncMillis;
                try (ResultSet rs = s.executeQuery("SELECT (SELECT string_agg(DISTINCT regexp_replace(query,"
                        + " '^autovacuum: (VACUUM ANALYZE|VACUUM|ANALYZE) (public\\.)?(\\S+).*$', '\\1 \\3'), ', ')"
                        + " FROM pg_stat_activity WHERE backend_type = 'autovacuum worker' AND query <> ''),"
                        + " (SELECT buffers_written FROM pg_stat_checkpointer),"
                        + " (SELECT string_agg(DISTINCT wait_event_type || ' ' || wait_event, ', ')"
                        + " FROM pg_stat_activity WHERE backend_type = 'client backend' AND state = 'active'"
                        + " AND wait_event IS NOT NULL AND pid <> pg_backend_pid()),"
                        + " (SELECT wal_sync FROM pg_stat_wal), (SELECT wal_sync_time FROM pg_stat_wal)")) {
                    rs.next();
                    vacuum = rs.getString(1);
                    buffers = rs.getLong(2);
                    waits = rs.getString(3);
                    walSyncs = rs.getLong(4);
                    walSyncMillis = rs.getDouble(5);
                }
                synchronized (samples) {
                    samples.add(new Sample(
                            Instant.now(),
                            busy,
                            ioWait,
                            gcMillis(),
                            Cpu.collectorAndCompilerNanos()[1],
                            vacuum,
                            buffers,
                            waits,
                            walSyncs,
                            walSyncMillis));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            System.out.println("    (the watch beside the phase stopped: " + e.getMessage() + ")");
        }
    }

    /** This JVM's collections so far, in milliseconds (the concurrent collectors' cycles left out). */
    private static long gcMillis() {
        long sum = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (!gc.getName().contains("Concurrent")) {
                sum += Math.max(0, gc.getCollectionTime());
            }
        }
        return sum;
    }

    /**
     * Prints, for each second from {@code from} on ({@code seconds} of them), the machine's CPU in
     * use, this JVM's collection time and its JIT compilers' CPU, the checkpointer's buffers written, and the tables
     * autovacuum worked on.
     */
    public void print(Instant from, int seconds) {
        List<Sample> copy;
        synchronized (samples) {
            copy = new ArrayList<>(samples);
        }
        TreeMap<Long, double[]> busy = new TreeMap<>(); // sum, count, I/O wait sum
        TreeMap<Long, Long> gc = new TreeMap<>();
        TreeMap<Long, Long> jit = new TreeMap<>();
        TreeMap<Long, Long> buffers = new TreeMap<>();
        TreeMap<Long, Long> syncs = new TreeMap<>();
        TreeMap<Long, Double> syncMillis = new TreeMap<>();
        TreeMap<Long, TreeSet<String>> vacuum = new TreeMap<>();
        TreeMap<Long, TreeSet<String>> waits = new TreeMap<>();
        for (int i = 1; i < copy.size(); i++) { // each sample tells what happened since the one before
            Sample s = copy.get(i);
            Sample before = copy.get(i - 1);
            long second = Math.floorDiv(Duration.between(from, s.at()).toMillis(), 1000);
            if (second < 0 || second >= seconds) {
                continue;
            }
            double[] b = busy.computeIfAbsent(second, k -> new double[3]);
            b[0] += s.busy();
            b[1]++;
            b[2] += s.ioWait();
            gc.merge(second, s.gcMillis() - before.gcMillis(), Long::sum);
            jit.merge(second, s.jitNanos() - before.jitNanos(), Long::sum);
            buffers.merge(second, s.checkpointBuffers() - before.checkpointBuffers(), Long::sum);
            syncs.merge(second, s.walSyncs() - before.walSyncs(), Long::sum);
            syncMillis.merge(second, s.walSyncMillis() - before.walSyncMillis(), Double::sum);
            if (s.vacuum() != null) {
                vacuum.computeIfAbsent(second, k -> new TreeSet<>()).add(s.vacuum());
            }
            if (s.waits() != null) {
                waits.computeIfAbsent(second, k -> new TreeSet<>()).add(s.waits());
            }
        }
        StringBuilder cpuLine = new StringBuilder("    machine CPU in use by second (%):");
        StringBuilder ioLine = new StringBuilder("    machine CPU waiting for I/O by second (%):");
        StringBuilder gcLine = new StringBuilder("    this JVM's collections by second (ms):");
        StringBuilder jitLine = new StringBuilder("    this JVM's JIT compilers' CPU by second (ms):");
        StringBuilder bufferLine = new StringBuilder("    checkpointer's buffers written by second:");
        StringBuilder syncLine = new StringBuilder("    WAL flushes by second (how many / ms in all):");
        for (long second = 0; second < seconds; second++) {
            double[] b = busy.get(second);
            cpuLine.append(b == null ? " -" : String.format(Locale.ROOT, " %.0f", 100 * b[0] / b[1]));
            ioLine.append(b == null ? " -" : String.format(Locale.ROOT, " %.0f", 100 * b[2] / b[1]));
            Long g = gc.get(second);
            gcLine.append(g == null ? " -" : " " + g);
            Long j = jit.get(second);
            jitLine.append(j == null ? " -" : " " + j / 1_000_000);
            Long w = buffers.get(second);
            bufferLine.append(w == null ? " -" : " " + w);
            Long n = syncs.get(second);
            syncLine.append(n == null ? " -" : String.format(Locale.ROOT, " %d/%.0f", n, syncMillis.get(second)));
        }
        System.out.println(cpuLine);
        System.out.println(ioLine);
        System.out.println(gcLine);
        System.out.println(jitLine);
        System.out.println(bufferLine);
        System.out.println(syncLine);
        StringBuilder vacuumLine = new StringBuilder("    autovacuum by second:");
        vacuum.forEach((second, tables) -> vacuumLine
                .append(" [")
                .append(second)
                .append(": ")
                .append(String.join("; ", tables))
                .append(']'));
        System.out.println(vacuum.isEmpty() ? vacuumLine + " none" : vacuumLine);
        StringBuilder waitLine = new StringBuilder("    what the database's sessions waited for, by second:");
        waits.forEach((second, events) -> waitLine.append(" [")
                .append(second)
                .append(": ")
                .append(String.join("; ", events))
                .append(']'));
        System.out.println(waits.isEmpty() ? waitLine + " nothing seen" : waitLine);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(2000);
    }
}
