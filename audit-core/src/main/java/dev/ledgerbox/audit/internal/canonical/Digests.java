package dev.ledgerbox.audit.internal.canonical;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** The audit log's one hash function. */
public final class Digests {

    private Digests() {}

    /** A new SHA-256 digest (not thread-safe: one per thread or per call). */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
