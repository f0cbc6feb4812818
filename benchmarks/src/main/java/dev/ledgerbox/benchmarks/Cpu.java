package dev.ledgerbox.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
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
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    int open = stat.indexOf('(');
                    int close = stat.lastIndexOf(')');
                    String kind = stat.substring(open + 1, close).replaceAll("[0-9]+", "N");
                    String[] fields = stat.substring(close + 2).split(" ");
                    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                    kinds.merge(kind, ticks * NANOS_PER_TICK, Long::sum);
                } catch (IOException | RuntimeException gone) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            return kinds;
        }
        return kinds;
    }

    /**
     * The user and system time of the processes named {@code postgres}, and of their children that
     * have ended (the postmaster's {@code cutime} and {@code cstime}: autovacuum workers, ended
     * connections), so that the sum only grows; 0 where /proc is absent. Without the ended
     * children, a worker that ran between two readings went uncounted, and one that ended between
     * them took its earlier time away from the difference.
     */
    public static long postgresNanos() {
        long ticks = 0;
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) processes::iterator) {
                if (!p.getFileName().toString().chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    int open = stat.indexOf('(');
                    int close = stat.lastIndexOf(')');
                    if (!stat.substring(open + 1, close).equals("postgres")) {
                        continue;
                    }
                    String[] fields = stat.substring(close + 2).split(" ");
                    for (int field = 11; field <= 14; field++) { // utime, stime, cutime, cstime
                        ticks += Long.parseLong(fields[field]);
                    }
                } catch (IOException | RuntimeException gone) {
                    // the process ended meanwhile
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return ticks * NANOS_PER_TICK;
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
