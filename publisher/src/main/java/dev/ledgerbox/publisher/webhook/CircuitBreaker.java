package dev.ledgerbox.publisher.webhook;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One endpoint's circuit, a Resilience4j circuit breaker on the dispatcher's clock: closed while
 * attempts succeed; open for {@code openFor} after {@code threshold} failures in a row (the last
 * {@code threshold} calls all failed), when no attempt is started; then half-open, when one probe
 * is let through: its success closes the circuit, its failure opens it again. While the circuit is
 * open, the endpoint's deliveries stay where they are and spend none of their attempts.
 * Thread-safe.
 */
final class CircuitBreaker {

    enum State {
        CLOSED,
        OPEN,
        HALF_OPEN
    }

    /** What a failed attempt reports to the breaker; the reason is in the attempt row. */
    private static final Exception FAILED = new Exception("webhook attempt failed", null, false, false) {};

    private final io.github.resilience4j.circuitbreaker.CircuitBreaker breaker;

    CircuitBreaker(int threshold, Duration openFor, Clock clock) {
        this.breaker = io.github.resilience4j.circuitbreaker.CircuitBreaker.of(
                "webhook-endpoint",
                CircuitBreakerConfig.custom()
                        .slidingWindow(threshold, threshold, SlidingWindowType.COUNT_BASED)
                        .failureRateThreshold(100)
                        .waitDurationInOpenState(openFor)
                        .permittedNumberOfCallsInHalfOpenState(1)
                        .clock(clock)
                        .build());
    }

    State state() {
        return switch (breaker.getState()) {
            case CLOSED, DISABLED, METRICS_ONLY -> State.CLOSED;
            case HALF_OPEN -> State.HALF_OPEN;
            default -> State.OPEN;
        };
    }

    /**
     * Takes the permit to start an attempt: always while closed; while open, none until the wait is
     * over, then the one probe of the half-open circuit.
     */
    boolean tryStart() {
        return breaker.tryAcquirePermission();
    }

    /** Gives back a permit taken by {@link #tryStart()} for an attempt that did not start. */
    void notStarted() {
        breaker.releasePermission();
    }

    void succeeded() {
        breaker.onSuccess(0, TimeUnit.MILLISECONDS);
    }

    /** Returns true when this failure opened the circuit (failures of attempts begun before it opened do not). */
    boolean failed() {
        State before = state();
        breaker.onError(0, TimeUnit.MILLISECONDS, FAILED);
        return before != State.OPEN && state() == State.OPEN;
    }
}
