package dev.ledgerbox.publisher.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.publisher.engine.RetryPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {

    private final Instant t0 = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void opensAfterTheThresholdThenLetsOneProbeThrough() {
        CircuitBreaker breaker = new CircuitBreaker(3, Duration.ofSeconds(30));
        assertThat(breaker.failed(t0)).isFalse();
        assertThat(breaker.failed(t0)).isFalse();
        assertThat(breaker.permits(t0)).isEqualTo(Integer.MAX_VALUE);
        assertThat(breaker.failed(t0)).isTrue();
        assertThat(breaker.state(t0.plusSeconds(29))).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(breaker.permits(t0.plusSeconds(29))).isZero();

        Instant later = t0.plusSeconds(30);
        assertThat(breaker.permits(later)).isEqualTo(1);
        breaker.started(later);
        assertThat(breaker.permits(later)).as("one probe at a time").isZero();
        assertThat(breaker.failed(later)).as("a failed probe opens it again").isTrue();
        assertThat(breaker.permits(later.plusSeconds(29))).isZero();

        Instant again = later.plusSeconds(30);
        breaker.started(again);
        breaker.succeeded();
        assertThat(breaker.state(again)).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.failed(again)).as("the count starts afresh").isFalse();
    }

    @Test
    void aSuccessResetsTheCount() {
        CircuitBreaker breaker = new CircuitBreaker(2, Duration.ofSeconds(30));
        breaker.failed(t0);
        breaker.succeeded();
        assertThat(breaker.failed(t0)).isFalse();
    }

    @Test
    void theRetryScheduleSpreadsItsDelaysByTheJitterAndEnds() {
        List<Duration> delays = List.of(Duration.ofSeconds(5), Duration.ofMinutes(5));
        assertThat(new RetryPolicy(delays, 0.2, Duration.ofHours(1), () -> 0.0).delayAfter(1))
                .isEqualTo(Duration.ofSeconds(4));
        assertThat(new RetryPolicy(delays, 0.2, Duration.ofHours(1), () -> 0.5).delayAfter(2))
                .isEqualTo(Duration.ofMinutes(5));
        assertThat(new RetryPolicy(delays, 0.2, Duration.ofHours(1), () -> 0.999999).delayAfter(1))
                .isLessThan(Duration.ofSeconds(6));
        RetryPolicy schedule = new RetryPolicy(delays, 0.2, Duration.ofHours(1), () -> 0.5);
        assertThat(schedule.maxAttempts()).isEqualTo(3);
        assertThat(schedule.delayAfter(3)).as("after the last attempt: none").isNull();
    }

    @Test
    void theRateLimiterRefillsOverTime() {
        RateLimiter limiter = new RateLimiter(10, t0);
        assertThat(limiter.available(t0)).isEqualTo(10);
        limiter.take(10, t0);
        assertThat(limiter.available(t0)).isZero();
        assertThat(limiter.available(t0.plusMillis(500))).isEqualTo(5);
        assertThat(limiter.available(t0.plusSeconds(60)))
                .as("at most one second's worth")
                .isEqualTo(10);
    }
}
