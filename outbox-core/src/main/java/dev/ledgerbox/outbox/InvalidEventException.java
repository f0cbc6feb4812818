package dev.ledgerbox.outbox;

/**
 * The event cannot be written as it is: blank type or aggregate, no aggregate id, a payload that
 * cannot be serialised or is over the size limit. The message names where the event came from,
 * its type and the problem. The transaction has been marked rollback-only.
 */
public class InvalidEventException extends OutboxException {
    private static final long serialVersionUID = 1L;

    public InvalidEventException(String message) {
        super(message);
    }

    public InvalidEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
