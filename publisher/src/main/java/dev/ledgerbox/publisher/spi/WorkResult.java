package dev.ledgerbox.publisher.spi;

import java.time.Instant;

/**
 * One finished piece of work, as the engine hands it to {@link WorkQueue#record}: its outcome
 * with the retry policy applied (a {@link Outcome.Retry} carries its time in {@code retryAt}; after
 * the last attempt it is {@link Outcome.Dead} instead), and when it finished.
 */
public record WorkResult<W>(W work, Outcome outcome, Instant retryAt, Instant finishedAt) {}
