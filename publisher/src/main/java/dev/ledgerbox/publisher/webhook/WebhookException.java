package dev.ledgerbox.publisher.webhook;

/**
 * A webhook request that cannot be carried out as given: an invalid URL, a refused target, an
 * unknown endpoint, a malformed secret. The message names the value and the fix.
 */
public class WebhookException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public WebhookException(String message) {
        super(message);
    }
}
