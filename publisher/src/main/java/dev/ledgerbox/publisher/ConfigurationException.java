package dev.ledgerbox.publisher;

/** A setting is missing or has a value the publisher cannot use; the message names both. */
public class ConfigurationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ConfigurationException(String message) {
        super(message);
    }
}
