package dev.ledgerbox.publisher.spi;

import java.time.Duration;

/**
 * What became of one piece of work: the one vocabulary of every kind of work. The engine turns a
 * {@link Retry} into a time by its retry policy, or into {@link Dead} after the last attempt.
 */
public sealed interface Outcome {

    /** Done: the receiver has it. */
    record Delivered() implements Outcome {}

    /**
     * Try again later: after {@code after} when the receiver said so ({@code Retry-After}; null
     * when it did not), else when the retry policy says.
     */
    record Retry(String reason, Duration after) implements Outcome {}

    /** Never try again: the work cannot succeed as it is, or its last attempt failed. */
    record Dead(String reason) implements Outcome {}

    /** Not attempted (say, its receiver's circuit is open): given back, the attempt not counted. */
    record GiveBack(String reason) implements Outcome {}

    Outcome DELIVERED = new Delivered();

    static Outcome retry(String reason) {
        return new Retry(reason, null);
    }

    static Outcome retryAfter(String reason, Duration after) {
        return new Retry(reason, after);
    }

    static Outcome dead(String reason) {
        return new Dead(reason);
    }

    static Outcome giveBack(String reason) {
        return new GiveBack(reason);
    }
}
