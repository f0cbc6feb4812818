package dev.ledgerbox.publisher.webhook;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * A Standard Webhooks signing secret: {@code whsec_} followed by the base64 of 24 to 64 random
 * bytes. {@link #toString()} never shows it. Immutable.
 */
public final class WebhookSecret {

    static final String PREFIX = "whsec_";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String text;
    private final byte[] key;

    private WebhookSecret(String text, byte[] key) {
        this.text = text;
        this.key = key;
    }

    /** A new secret of 32 random bytes. */
    public static WebhookSecret generate() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return new WebhookSecret(PREFIX + Base64.getEncoder().encodeToString(key), key);
    }

    /** Reads a secret; the error names what is wrong with it, never the secret itself. */
    public static WebhookSecret parse(String text) {
        if (text == null || !text.startsWith(PREFIX)) {
            throw new WebhookException("a webhook secret must start with 'whsec_' followed by base64");
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(text.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new WebhookException("a webhook secret must be 'whsec_' followed by base64: " + e.getMessage());
        }
        if (key.length < 24 || key.length > 64) {
            throw new WebhookException("a webhook secret must hold 24 to 64 bytes, this one holds " + key.length);
        }
        return new WebhookSecret(text, key);
    }

    /** The secret as given to receivers, {@code whsec_...}. */
    public String reveal() {
        return text;
    }

    byte[] key() {
        return key.clone();
    }

    @Override
    public String toString() {
        return "whsec_***";
    }
}
