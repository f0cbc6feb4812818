package dev.ledgerbox.inbox;

/**
 * Thrown by a handler (or a validator) when the payload is well-formed but not acceptable: the
 * message is captured as {@code INVALID} with this reason and answered 400, and it is not retried.
 */
public class InvalidPayloadException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InvalidPayloadException(String reason) {
        super(reason);
    }
}
