package dev.ledgerbox.publisher.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.publisher.engine.RetryPolicy;
import dev.ledgerbox.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {

    private final MutableClock clock = new MutableClock();
    private final Instant t0 = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void opensAfterTheThresholdThenLetsOneProbeThrough() {
        CircuitBreaker breaker = new CircuitBreaker(3, Duration.ofSeconds(30), clock);
        assertThat(breaker.failed()).isFalse();
        assertThat(breaker.failed()).isFalse();
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.tryStart()).as("closed: every attempt starts").isTrue();
        assertThat(breaker.failed()).isTrue();
        clock.advance(Duration.ofSeconds(29));
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(breaker.tryStart()).isFalse();

        clock.advance(Duration.ofSeconds(1));
        assertThat(breaker.tryStart()).as("the probe").isTrue();
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(breaker.tryStart()).as("one probe at a time").isFalse();
        assertThat(breaker.failed()).as("a failed probe opens it again").isTrue();
        clock.advance(Duration.ofSeconds(29));
        assertThat(breaker.tryStart()).isFalse();

        clock.advance(Duration.ofSeconds(1));
        assertThat(breaker.tryStart()).isTrue();
        breaker.succeeded();
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.failed()).as("the count starts afresh").isFalse();
    }

    @Test
    void aSuccessResetsTheCount() {
        CircuitBreaker breaker = new CircuitBreaker(2, Duration.ofSeconds(30), clock);
        breaker.failed();
        breaker.succeeded();
        assertThat(breaker.failed()).isFalse();
    }

    @Test
    void aProbeThatDoesNotStartIsGivenBack() {
        CircuitBreaker breaker = new CircuitBreaker(1, Duration.ofSeconds(30), clock);
        assertThat(breaker.failed()).isTrue();
        clock.advance(Duration.ofSeconds(30));
        assertThat(breaker.tryStart()).isTrue();
        breaker.notStarted();
        assertThat(breaker.tryStart()).as("the probe is free again").isTrue();
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
