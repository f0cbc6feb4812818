package dev.ledgerbox.publisher.webhook;

import java.time.Instant;

/**
 * A token bucket: {@code perSecond} tokens a second, holding at most one second's worth. Time
 * comes from the caller. Thread-safe.
 */
final class RateLimiter {

    private final int perSecond;
    private double tokens;
    private Instant last;

    RateLimiter(int perSecond, Instant now) {
        this.perSecond = perSecond;
        this.tokens = perSecond;
        this.last = now;
    }

    synchronized int available(Instant now) {
        refill(now);
        return (int) Math.floor(tokens);
    }

    synchronized void take(int n, Instant now) {
        refill(now);
        tokens -= n;
    }

    private void refill(Instant now) {
        if (now.isAfter(last)) {
            double seconds = (now.toEpochMilli() - last.toEpochMilli()) / 1000.0;
            tokens = Math.min(perSecond, tokens + seconds * perSecond);
            last = now;
        }
    }
}
