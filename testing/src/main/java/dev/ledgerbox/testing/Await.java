package dev.ledgerbox.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waiting in tests for what another thread or process brings about. */
public final class Await {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private Await() {}

    /** Returns once {@code condition} holds; fails naming {@code what} after 30 s. */
    public static void until(String what, BooleanSupplier condition) throws InterruptedException {
        until(what, condition, () -> "");
    }

    /**
     * Returns once {@code condition} holds; fails after 30 s naming {@code what} and what {@code
     * state} says of the moment (for a failure that happens once in many runs).
     */
    public static void until(String what, BooleanSupplier condition, Supplier<String> state)
            throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                String seen = state.get();
                throw new AssertionError("timed out waiting until " + what + (seen.isEmpty() ? "" : "; " + seen));
            }
            Thread.sleep(10);
        }
    }
}
