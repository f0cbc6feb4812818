package dev.ledgerbox.outbox;

/**
 * An event was emitted outside a JTA transaction (or in one that is already completing), where
 * it could not commit atomically with the business data. Nothing was written.
 */
public class NoTransactionException extends OutboxException {
    private static final long serialVersionUID = 1L;

    public NoTransactionException(String message) {
        super(message);
    }
}
