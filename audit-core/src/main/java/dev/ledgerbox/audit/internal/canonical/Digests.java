package dev.ledgerbox.audit.internal.canonical;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** The audit log's one hash function. */
public final class Digests {

    /** Copied for each caller: a copy costs a fraction of a provider lookup. */
    private static final MessageDigest SHA_256 = lookUp();

    private Digests() {}

    /** A new SHA-256 digest (not thread-safe: one per thread or per call). */
    public static MessageDigest sha256() {
        try {
            return (MessageDigest) SHA_256.clone();
        } catch (CloneNotSupportedException e) {
            return lookUp(); // a provider whose digest cannot be copied
        }
    }

    private static MessageDigest lookUp() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
