package dev.ledgerbox.publisher;

import java.time.Duration;

/** What became of one delivery. */
public sealed interface Outcome {

    /** The sink has the event. */
    record Delivered() implements Outcome {}

    /** Try again later: after {@code after} when the receiver said so, else after the backoff. */
    record Retry(String reason, Duration after) implements Outcome {}

    /** Never try again: the event cannot be delivered as it is. */
    record Dead(String reason) implements Outcome {}

    Outcome DELIVERED = new Delivered();

    static Outcome retry(String reason) {
        return new Retry(reason, null);
    }

    static Outcome dead(String reason) {
        return new Dead(reason);
    }
}
