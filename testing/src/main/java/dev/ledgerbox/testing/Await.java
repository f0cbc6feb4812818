package dev.ledgerbox.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting in tests for what another thread or process brings about. */
public final class Await {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private Await() {}

    /** Returns once {@code condition} holds; fails naming {@code what} after 30 s. */
    public static void until(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(10);
        }
    }
}
