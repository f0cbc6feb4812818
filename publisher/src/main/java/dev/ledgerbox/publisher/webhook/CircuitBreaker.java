package dev.ledgerbox.publisher.webhook;

import java.time.Duration;
import java.time.Instant;

/**
 * One endpoint's circuit: closed while attempts succeed; open for {@code openFor} after
 * {@code threshold} failures in a row, when no attempt is started; then half-open, when one probe
 * is let through: its success closes the circuit, its failure opens it again. While the circuit is
 * open, the endpoint's deliveries stay where they are and spend none of their attempts. Time comes
 * from the caller. Thread-safe.
 */
final class CircuitBreaker {

    enum State {
        CLOSED,
        OPEN,
        HALF_OPEN
    }

    private final int threshold;
    private final Duration openFor;
    private int failures;
    private Instant openUntil;
    private boolean probing;

    CircuitBreaker(int threshold, Duration openFor) {
        this.threshold = threshold;
        this.openFor = openFor;
    }

    synchronized State state(Instant now) {
        if (openUntil == null) {
            return State.CLOSED;
        }
        return now.isBefore(openUntil) ? State.OPEN : State.HALF_OPEN;
    }

    /** How many attempts may start now: unlimited when closed, none when open, one probe when half-open. */
    synchronized int permits(Instant now) {
        return switch (state(now)) {
            case CLOSED -> Integer.MAX_VALUE;
            case OPEN -> 0;
            case HALF_OPEN -> probing ? 0 : 1;
        };
    }

    /** Called when an attempt starts; a start while half-open is the probe. */
    synchronized void started(Instant now) {
        if (state(now) == State.HALF_OPEN) {
            probing = true;
        }
    }

    synchronized void succeeded() {
        failures = 0;
        openUntil = null;
        probing = false;
    }

    /** Returns true when this failure opened the circuit (failures of attempts begun before it opened do not). */
    synchronized boolean failed(Instant now) {
        failures++;
        boolean open = openUntil != null && now.isBefore(openUntil);
        if (probing || (!open && failures >= threshold)) {
            openUntil = now.plus(openFor);
            probing = false;
            return true;
        }
        return false;
    }
}
