package dev.ledgerbox.audit.internal;

import java.util.Locale;

/**
 * Reads a setting from MicroProfile Config when an implementation is present, else from system
 * properties and environment variables (with MicroProfile's name mapping:
 * {@code audit.hash-key} is {@code AUDIT_HASH_KEY}).
 */
final class MicroProfileSettings {

    private MicroProfileSettings() {}

    static String get(String key) {
        try {
            return org.eclipse.microprofile.config.ConfigProvider.getConfig()
                    .getOptionalValue(key, String.class)
                    .orElse(null);
        } catch (LinkageError | IllegalStateException e) {
            // no MicroProfile Config here (plain Java SE): read what it would have read
        } catch (RuntimeException e) {
            // ServiceConfigurationError and friends: same fallback
        }
        String value = System.getProperty(key);
        if (value == null) {
            value = System.getenv(key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_"));
        }
        return value;
    }
}
