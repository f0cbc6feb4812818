package dev.ledgerbox.audit;

/**
 * A change could not be audited. Thrown while the change is flushed, so the business transaction
 * fails with it: no unaudited change commits. The message names the entity and the attribute,
 * never the value.
 */
public class AuditException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public AuditException(String message) {
        super(message);
    }

    public AuditException(String message, Throwable cause) {
        super(message, cause);
    }
}
