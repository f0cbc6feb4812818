package dev.ledgerbox.publisher.webhook;

import dev.ledgerbox.publisher.ConfigurationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * When to try a delivery again: after attempt {@code n} fails, wait the {@code n}-th delay of the
 * schedule, spread by a random jitter of up to ± {@code jitter} of it; after the last delay's
 * attempt, the delivery is dead. The default follows the Standard Webhooks example: 5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h, 10 h (eight attempts over about a day). Immutable and thread-safe.
 */
public final class RetrySchedule {

    public static final String DEFAULT = "5s,5m,30m,2h,5h,10h,10h";

    private final List<Duration> delays;
    private final double jitter;
    private final DoubleSupplier random;

    public RetrySchedule(List<Duration> delays, double jitter, DoubleSupplier random) {
        if (jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("jitter must be from 0 to below 1, was " + jitter);
        }
        this.delays = List.copyOf(delays);
        this.jitter = jitter;
        this.random = random;
    }

    /** Parses {@code 5s,5m,30m}; the key names the setting in the error. */
    public static List<Duration> parse(String key, String text, java.util.function.Function<String, Duration> parser) {
        List<Duration> delays = new ArrayList<>();
        if (text.isBlank() || text.trim().equals("none")) {
            return delays;
        }
        for (String part : text.split(",")) {
            Duration d = parser.apply(part.trim());
            if (d == null || d.isNegative()) {
                throw new ConfigurationException(key + " is '" + text + "': '" + part.trim()
                        + "' is not a duration; write the delays between attempts, e.g. 5s,5m,30m,2h");
            }
            delays.add(d);
        }
        return delays;
    }

    /** Attempts in all, the first one included. */
    public int maxAttempts() {
        return delays.size() + 1;
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

    public List<Duration> delays() {
        return delays;
    }
}
