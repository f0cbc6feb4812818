package dev.ledgerbox.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Locale;

/**
 * The heap a phase needed: the most this JVM had in use (sampled every 20 ms, garbage not yet
 * collected included) and what is still in use after a full collection at its end (what the
 * phase left behind: anything kept per unit of work shows here). Started before the phase,
 * {@link #stop()}ped after it. Run with a small {@code -Xmx} to show that a phase's memory does
 * not grow with its backlog.
 */
public final class HeapPeak implements AutoCloseable {

    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final Thread sampler;
    private volatile boolean running = true;
    private volatile long mostUsed;

    private HeapPeak() {
        sampler = new Thread(this::sample, "heap-peak");
        sampler.setDaemon(true);
        sampler.start();
    }

    public static HeapPeak start() {
        return new HeapPeak();
    }

    private void sample() {
        while (running) {
            mostUsed = Math.max(mostUsed, memory.getHeapMemoryUsage().getUsed());
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Stops sampling, collects the garbage; returns the line to print. */
    public String stop() {
        close();
        memory.gc();
        return String.format(
                Locale.ROOT,
                "heap: at most %.0f MB in use, %.0f MB after a full collection at the end, of %.0f MB (-Xmx)",
                mostUsed / 1e6,
                memory.getHeapMemoryUsage().getUsed() / 1e6,
                Runtime.getRuntime().maxMemory() / 1e6);
    }

    @Override
    public void close() {
        running = false;
        sampler.interrupt();
    }
}
