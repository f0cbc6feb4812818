package dev.ledgerbox.inbox;

/** The inbox was used or configured wrongly; the message names the source, key or value and the fix. */
public class InboxException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InboxException(String message) {
        super(message);
    }

    public InboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
