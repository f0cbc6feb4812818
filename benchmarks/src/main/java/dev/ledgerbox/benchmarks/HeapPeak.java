package dev.ledgerbox.benchmarks;

import com.sun.management.GarbageCollectorMXBean;
import com.sun.management.GcInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The heap a phase needed: the most this JVM had in use (sampled every 20 ms) and the most that
 * was still live after a collection (what the phase holds on to; the first figure also counts
 * garbage not yet collected). Started before the phase, {@link #stop()}ped after it. Run with a
 * small {@code -Xmx} to show that a phase's memory does not grow with its backlog.
 */
public final class HeapPeak implements AutoCloseable {

    private final Thread sampler;
    private final List<GarbageCollectorMXBean> collectors =
            ManagementFactory.getPlatformMXBeans(GarbageCollectorMXBean.class);
    /** The heap's pools (a collection's report also lists the code cache and metaspace). */
    private final Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP)
            .map(MemoryPoolMXBean::getName)
            .collect(Collectors.toSet());
    /** Each collector's count of collections at the start: those before the phase are not its. */
    private final long[] before = new long[collectors.size()];

    private volatile boolean running = true;
    private long mostUsed;
    private long mostLiveAfterGc;

    private HeapPeak() {
        for (int i = 0; i < before.length; i++) {
            before[i] = collectors.get(i).getCollectionCount();
        }
        sampler = new Thread(this::sample, "heap-peak");
        sampler.setDaemon(true);
        sampler.start();
    }

    public static HeapPeak start() {
        return new HeapPeak();
    }

    private void sample() {
        while (running) {
            synchronized (this) {
                mostUsed = Math.max(
                        mostUsed,
                        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
                for (int i = 0; i < before.length; i++) {
                    GcInfo last = collectors.get(i).getLastGcInfo();
                    if (last != null && last.getId() > before[i]) {
                        long live = last.getMemoryUsageAfterGc().entrySet().stream()
                                .filter(pool -> heapPools.contains(pool.getKey()))
                                .mapToLong(pool -> pool.getValue().getUsed())
                                .sum();
                        mostLiveAfterGc = Math.max(mostLiveAfterGc, live);
                    }
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Stops sampling; returns the line to print. */
    public synchronized String stop() {
        running = false;
        sampler.interrupt();
        return String.format(
                Locale.ROOT,
                "heap: at most %.0f MB in use, at most %.0f MB live after a collection, of %.0f MB (-Xmx)",
                mostUsed / 1e6,
                mostLiveAfterGc / 1e6,
                Runtime.getRuntime().maxMemory() / 1e6);
    }

    @Override
    public void close() {
        running = false;
        sampler.interrupt();
    }
}
