package dev.ledgerbox.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU time used so far by this JVM and by every PostgreSQL process of the machine (Linux {@code
 * /proc}): the difference over a run, divided by the work done, is the CPU each unit of work costs
 * on either side, which a ratio of throughputs on a saturated machine does not separate.
 */
public final class Cpu {

    private static final long NANOS_PER_TICK = 10_000_000L; // USER_HZ is 100 on Linux

    private Cpu() {}

    public static long jvmNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /**
     * The CPU time of this JVM's threads by kind (the thread's name with its digits dropped, as the
     * kernel knows it: {@code GC Thread#}, {@code C2 CompilerThre}, {@code pool-N-thread-N}), from
     * {@code /proc/self/task}; empty where that is absent. The GC's and the JIT's threads are there,
     * which a Java thread listing does not show.
     */
    public static Map<String, Long> threadKinds() {
        Map<String, Long> kinds = new TreeMap<>();
        for (Stat thread : stats(Path.of("/proc/self/task"))) {
            kinds.merge(thread.name().replaceAll("[0-9]+", "N"), thread.ticks() * NANOS_PER_TICK, Long::sum);
        }
        return kinds;
    }

    /**
     * The CPU time so far of this JVM's garbage collector threads ({@code GC Thread#N} and G1's
     * concurrent ones) and of its JIT compiler threads: the JVM's own share of {@link #jvmNanos}.
     */
    public static long[] collectorAndCompilerNanos() {
        long collector = 0;
        long compiler = 0;
        for (Map.Entry<String, Long> kind : threadKinds().entrySet()) {
            if (kind.getKey().startsWith("GC Thread") || kind.getKey().startsWith("GN ")) {
                collector += kind.getValue(); // "G1 Conc#0" reads "GN Conc#N" with its digits dropped
            } else if (kind.getKey().contains("CompilerThre")) {
                compiler += kind.getValue();
            }
        }
        return new long[] {collector, compiler};
    }

    /** Each server's postmaster (pid and start time) and its last reading, its ended children's time included. */
    private static final Map<String, Long> POSTMASTERS = new HashMap<>();

    /**
     * The CPU time of the PostgreSQL servers of the machine, which only grows: the user and system
     * time of each server's running processes, and of those that have ended (the postmaster's
     * {@code cutime} and {@code cstime}: autovacuum workers, closed connections); a server that
     * stopped keeps what it had at the last reading. 0 where /proc is absent. Without the ended
     * processes, a worker that ran between two readings went uncounted, and one that ended between
     * them took its earlier time away from the difference.
     */
    public static synchronized long postgresNanos() {
        long[] kinds = postgresNanosByKind();
        return kinds[0] + kinds[1];
    }

    /**
     * {@link #postgresNanos} in two: the running client backends (and the parallel workers running
     * for them), and the rest: the server's own processes (checkpointer, WAL writer, autovacuum)
     * and those that have ended (autovacuum workers, parallel workers, closed connections), whose
     * time the postmaster holds. A process's time moves to the rest when it ends.
     */
    public static synchronized long[] postgresNanosByKind() {
        Map<Long, Stat> servers = new HashMap<>();
        for (Stat process : stats(Path.of("/proc"))) {
            if (process.name().equals("postgres")) {
                servers.put(process.pid(), process);
            }
        }
        long clients = 0;
        long rest = 0;
        for (Stat process : servers.values()) {
            if (servers.containsKey(process.parent())) {
                // when it ends, its time moves to the postmaster's children's
                if (isClient(process.pid())) {
                    clients += process.ticks();
                } else {
                    rest += process.ticks();
                }
            } else {
                POSTMASTERS.put(process.pid() + "@" + process.start(), process.ticks() + process.endedChildrenTicks());
            }
        }
        for (long postmaster : POSTMASTERS.values()) {
            rest += postmaster;
        }
        return new long[] {clients * NANOS_PER_TICK, rest * NANOS_PER_TICK};
    }

    /**
     * Whether a server process is a client backend or a parallel worker of one: its title
     * ({@code postgres: user database host(port) state}) names no process of the server's own.
     */
    private static boolean isClient(long pid) {
        String title;
        try {
            title = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"))
                    .replace('\0', ' ')
                    .trim();
        } catch (IOException | RuntimeException gone) {
            return false;
        }
        for (String own : SERVER_PROCESSES) {
            if (title.startsWith("postgres: " + own)) {
                return false;
            }
        }
        return true;
    }

    private static final List<String> SERVER_PROCESSES = List.of(
            "checkpointer",
            "background writer",
            "walwriter",
            "autovacuum",
            "logical replication",
            "walsummarizer",
            "walsender",
            "archiver",
            "io worker",
            "startup",
            "stats");

    /** What {@code /proc/PID/stat} says of a process or thread; times in clock ticks. */
    private record Stat(long pid, String name, long parent, long ticks, long endedChildrenTicks, long start) {}

    /** The stat of each numbered entry of {@code directory}; those that end meanwhile are left out. */
    private static List<Stat> stats(Path directory) {
        List<Stat> stats = new ArrayList<>();
        try (Stream<Path> entries = Files.list(directory)) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                String pid = entry.getFileName().toString();
                if (!pid.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String stat = Files.readString(entry.resolve("stat"));
                    int open = stat.indexOf('(');
                    int close = stat.lastIndexOf(')');
                    String[] f = stat.substring(close + 2).split(" ");
                    stats.add(new Stat(
                            Long.parseLong(pid),
                            stat.substring(open + 1, close),
                            Long.parseLong(f[1]),
                            Long.parseLong(f[11]) + Long.parseLong(f[12]), // utime, stime
                            Long.parseLong(f[13]) + Long.parseLong(f[14]), // cutime, cstime
                            Long.parseLong(f[19])));
                } catch (IOException | RuntimeException gone) {
                    // it ended meanwhile
                }
            }
        } catch (IOException absent) {
            return stats;
        }
        return stats;
    }

    /**
     * The whole machine's CPU time so far, in clock ticks ({@code /proc/stat}): all of it, idle
     * (idle and waiting for I/O), and waiting for I/O; zeros where that is absent.
     */
    public static long[] machineTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long all = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                all += Long.parseLong(f[i]);
            }
            return new long[] {all, Long.parseLong(f[4]) + Long.parseLong(f[5]), Long.parseLong(f[5])};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0, 0};
        }
    }
}
