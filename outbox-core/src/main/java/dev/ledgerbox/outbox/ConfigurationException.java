package dev.ledgerbox.outbox;

/** A configuration value or annotation is wrong. The message names the key or method, the value and the fix. */
public class ConfigurationException extends OutboxException {
    private static final long serialVersionUID = 1L;

    public ConfigurationException(String message) {
        super(message);
    }
}
