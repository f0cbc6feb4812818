package dev.ledgerbox.outbox;

/** Root of the exceptions thrown by the outbox. Unchecked. */
public class OutboxException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public OutboxException(String message) {
        super(message);
    }

    public OutboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
