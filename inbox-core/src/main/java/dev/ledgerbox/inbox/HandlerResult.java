package dev.ledgerbox.inbox;

/**
 * What a handler did: the HTTP status and body the sender gets (and a duplicate of the message
 * gets again), and the outcome to keep with the message, such as the ids of the rows it created.
 */
public record HandlerResult(int status, String body, String outcome) {

    public HandlerResult {
        if (status < 200 || status > 299) {
            throw new IllegalArgumentException(
                    "a handler's result is a success (2xx), got " + status + ": throw to report a failure");
        }
    }

    /** 200 with this body. */
    public static HandlerResult ok(String body) {
        return new HandlerResult(200, body, null);
    }

    /** This result with an outcome kept with the message (e.g. {@code "order 42 marked paid"}). */
    public HandlerResult withOutcome(String outcome) {
        return new HandlerResult(status, body, outcome);
    }
}
