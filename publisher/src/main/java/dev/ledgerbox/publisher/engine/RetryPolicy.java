package dev.ledgerbox.publisher.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * When to try work again, for every kind of work: after attempt {@code n} fails, wait the
 * {@code n}-th delay of the schedule, spread by a random jitter of up to ± {@code jitter} of it,
 * or what the receiver asked for ({@code Retry-After}), cut to {@code retryAfterMax}; after the
 * last attempt the work is dead. Immutable and thread-safe.
 */
public final class RetryPolicy {

    /** The Standard Webhooks example: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
    public static final String STANDARD_WEBHOOKS = "5s,5m,30m,2h,5h,10h,10h";

    private final List<Duration> delays;
    private final double jitter;
    private final Duration retryAfterMax;
    private final DoubleSupplier random;

    /**
     * @param delays the waits after attempts 1, 2, ...; attempts in all = its size + 1
     * @param jitter from 0 to below 1
     * @param retryAfterMax the longest wait a receiver may ask for
     * @param random a number from 0 to below 1, for the jitter
     */
    public RetryPolicy(List<Duration> delays, double jitter, Duration retryAfterMax, DoubleSupplier random) {
        if (jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("jitter must be from 0 to below 1, was " + jitter);
        }
        for (Duration d : delays) {
            if (d.isNegative()) {
                throw new IllegalArgumentException("delays must not be negative, was " + delays);
            }
        }
        if (retryAfterMax.isNegative()) {
            throw new IllegalArgumentException("retryAfterMax must not be negative, was " + retryAfterMax);
        }
        this.delays = List.copyOf(delays);
        this.jitter = jitter;
        this.retryAfterMax = retryAfterMax;
        this.random = random;
    }

    /** Doubling from {@code base} up to {@code max}, for {@code maxAttempts} attempts in all. */
    public static List<Duration> exponential(Duration base, Duration max, int maxAttempts) {
        List<Duration> delays = new ArrayList<>();
        for (int attempt = 1; attempt < maxAttempts; attempt++) {
            Duration delay = base.multipliedBy(1L << Math.min(attempt - 1, 30));
            delays.add(delay.compareTo(max) > 0 || delay.isNegative() ? max : delay);
        }
        return delays;
    }

    /** Attempts in all, the first one included. */
    public int maxAttempts() {
        return delays.size() + 1;
    }

    public List<Duration> delays() {
        return delays;
    }

    /** The wait after attempt {@code attempt} (1 for the first) failed, or null when it was the last. */
    public Duration delayAfter(int attempt) {
        if (attempt < 1 || attempt > delays.size()) {
            return null;
        }
        Duration base = delays.get(attempt - 1);
        double factor = 1 + jitter * (2 * random.getAsDouble() - 1);
        return Duration.ofNanos((long) (base.toNanos() * factor));
    }

    /**
     * When attempt {@code attempt}, failed at {@code now}, is tried again: after the receiver's
     * wait when it gave one (cut to the maximum), else after the schedule's; null when it was
     * the last attempt.
     */
    public Instant retryAt(int attempt, Duration receiverAsked, Instant now) {
        Duration delay = delayAfter(attempt);
        if (delay == null) {
            return null;
        }
        if (receiverAsked == null) {
            return now.plus(delay);
        }
        return now.plus(receiverWait(receiverAsked));
    }

    /** A wait a receiver asked for, within bounds: from zero to {@code retryAfterMax}. */
    public Duration receiverWait(Duration asked) {
        Duration wait = asked.isNegative() ? Duration.ZERO : asked;
        return wait.compareTo(retryAfterMax) > 0 ? retryAfterMax : wait;
    }
}
