package dev.ledgerbox.audit.internal;

import dev.ledgerbox.audit.AuditException;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * The audit log's settings, read from Hibernate's properties, else MicroProfile Config (which
 * includes system properties and environment variables such as {@code AUDIT_HASH_KEY}).
 *
 * @param hashKey the HMAC key for {@code @AuditHashed} attributes, or null
 * @param maxDiffBytes the largest diff one audit row may hold, in UTF-8 bytes
 */
record AuditSettings(byte[] hashKey, int maxDiffBytes) {

    public static final String HASH_KEY = "audit.hash-key";
    public static final String MAX_DIFF_BYTES = "audit.max-diff-bytes";
    static final int DEFAULT_MAX_DIFF_BYTES = 1024 * 1024;

    /** Reads the settings; {@code source} returns null for a key that is not set. */
    public static AuditSettings from(Function<String, String> source) {
        String key = source.apply(HASH_KEY);
        if (key != null && key.length() < 16) {
            throw new AuditException(HASH_KEY + " is " + key.length()
                    + " characters long; it needs at least 16 (use a random secret, e.g. 32 bytes in base64)");
        }
        String max = source.apply(MAX_DIFF_BYTES);
        int maxDiffBytes = DEFAULT_MAX_DIFF_BYTES;
        if (max != null) {
            try {
                maxDiffBytes = Integer.parseInt(max.trim());
            } catch (NumberFormatException e) {
                maxDiffBytes = -1;
            }
            if (maxDiffBytes < 1024) {
                throw new AuditException(
                        MAX_DIFF_BYTES + " is '" + max + "'; it must be a whole number of bytes, at least 1024");
            }
        }
        return new AuditSettings(key == null ? null : key.getBytes(StandardCharsets.UTF_8), maxDiffBytes);
    }

    @Override
    public String toString() {
        return "AuditSettings[hashKey=" + (hashKey == null ? "unset" : "set") + ", maxDiffBytes=" + maxDiffBytes + "]";
    }
}
