package dev.ledgerbox.publisher.webhook;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Webhook signing secrets and endpoint header values at rest: sealed with AES-256-GCM under the
 * current key, stored as {@code lbx:v1:KEY-ID:BASE64(nonce, ciphertext and tag)}, each bound to
 * where it is stored (the endpoint, and the header's name), so that a sealed value copied to
 * another row does not open. Values stored in clear (before encryption was configured) are read
 * as they are and sealed by {@code secrets rotate-key}. Keys are {@code ID:BASE64} (32 bytes),
 * the first one current, the others kept to open values sealed under them until they are sealed
 * again. Writing in clear needs {@code publisher.secrets.plaintext=true}. Thread-safe.
 */
public final class SecretBox {

    static final String PREFIX = "lbx:v1:";
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._-]{1,32}");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;

    private final Map<String, SecretKey> keys;
    private final String current;
    private final boolean plaintext;

    private SecretBox(Map<String, SecretKey> keys, boolean plaintext) {
        this.keys = Collections.unmodifiableMap(new LinkedHashMap<>(keys));
        this.current = keys.isEmpty() ? null : keys.keySet().iterator().next();
        this.plaintext = plaintext;
    }

    /** Stores in clear, with no key: only when explicitly configured (or in tests). */
    public static SecretBox plaintext() {
        return new SecretBox(Map.of(), true);
    }

    /** Neither a key nor clear text: reads clear values, refuses to store any. */
    public static SecretBox none() {
        return new SecretBox(Map.of(), false);
    }

    /**
     * The keys of a setting or key file: {@code ID:BASE64} entries separated by commas or lines
     * ({@code #} starts a comment), the first one current. {@code what} names the setting in
     * errors; key material is never in a message.
     */
    public static SecretBox of(String keys, boolean plaintext, String what) {
        Map<String, SecretKey> parsed = new LinkedHashMap<>();
        for (String line : keys.split("[,\\n]")) {
            String entry = line.replaceAll("#.*", "").trim();
            if (entry.isEmpty()) {
                continue;
            }
            int colon = entry.indexOf(':');
            String id = colon < 0 ? "" : entry.substring(0, colon);
            if (!KEY_ID.matcher(id).matches()) {
                throw new WebhookException(what + " has an entry without a key id: write ID:BASE64 (letters, digits,"
                        + " . _ -; `ledgerbox-publisher secrets new-key ID` prints one)");
            }
            byte[] key;
            try {
                key = Base64.getDecoder().decode(entry.substring(colon + 1).trim());
            } catch (IllegalArgumentException e) {
                throw new WebhookException(what + " key '" + id + "' is not base64");
            }
            if (key.length != 32) {
                throw new WebhookException(what + " key '" + id + "' holds " + key.length + " bytes: AES-256 needs 32");
            }
            if (parsed.put(id, new SecretKeySpec(key, "AES")) != null) {
                throw new WebhookException(what + " names key '" + id + "' twice");
            }
        }
        if (parsed.isEmpty() && !plaintext) {
            return none();
        }
        return new SecretBox(parsed, plaintext && parsed.isEmpty());
    }

    /** The keys of a key file (see {@link #of}). */
    public static SecretBox ofFile(Path file, String what) {
        try {
            return of(Files.readString(file, StandardCharsets.UTF_8), false, what + " (" + file + ")");
        } catch (IOException e) {
            throw new WebhookException(what + " " + file + " cannot be read: " + e.getMessage());
        }
    }

    /** A new key entry, {@code ID:BASE64}, for a setting or key file. */
    public static String newKey(String id) {
        if (!KEY_ID.matcher(id).matches()) {
            throw new WebhookException("a key id is 1 to 32 letters, digits, '.', '_' or '-'; '" + id + "' is not");
        }
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return id + ":" + Base64.getEncoder().encodeToString(key);
    }

    /** Whether new values are sealed (a key is configured). */
    public boolean seals() {
        return current != null;
    }

    /** Whether new values are stored in clear because it was configured so. */
    public boolean storesPlaintext() {
        return plaintext;
    }

    /** The id of the key new values are sealed with, or null. */
    public String currentKeyId() {
        return current;
    }

    /** The value as it is to be stored: sealed under the current key, or clear when so configured. */
    public String seal(String clear, String context) {
        if (current == null) {
            if (plaintext) {
                return clear;
            }
            throw new WebhookException("webhook secrets and endpoint header values are encrypted at rest: set"
                    + " publisher.secrets.keys (or publisher.secrets.key-file) to a key (`ledgerbox-publisher secrets"
                    + " new-key ID` prints one), or publisher.secrets.plaintext=true to store them in clear");
        }
        try {
            byte[] nonce = new byte[NONCE];
            RANDOM.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(current), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(aad(current, context));
            byte[] sealed = cipher.doFinal(clear.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[NONCE + sealed.length];
            System.arraycopy(nonce, 0, out, 0, NONCE);
            System.arraycopy(sealed, 0, out, NONCE, sealed.length);
            return PREFIX + current + ":" + Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JVM", e);
        }
    }

    /** The clear value of a stored one (sealed, or stored in clear). */
    public String open(String stored, String context) {
        if (stored == null || !stored.startsWith(PREFIX)) {
            return stored;
        }
        int colon = stored.indexOf(':', PREFIX.length());
        String id = colon < 0 ? "" : stored.substring(PREFIX.length(), colon);
        SecretKey key = keys.get(id);
        if (key == null) {
            throw new WebhookException("a stored value of " + context + " is sealed with key '" + id
                    + "', which is not configured (publisher.secrets.keys or publisher.secrets.key-file)");
        }
        try {
            byte[] in = Base64.getDecoder().decode(stored.substring(colon + 1));
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE));
            cipher.updateAAD(aad(id, context));
            return new String(cipher.doFinal(in, NONCE, in.length - NONCE), StandardCharsets.UTF_8);
        } catch (javax.crypto.AEADBadTagException | IllegalArgumentException e) {
            throw new WebhookException("a stored value of " + context + " does not open with key '" + id
                    + "': it was changed, or copied from another row");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JVM", e);
        }
    }

    /** Whether a stored value is sealed under the current key already. */
    public boolean current(String stored) {
        return current != null && stored != null && stored.startsWith(PREFIX + current + ":");
    }

    private static byte[] aad(String keyId, String context) {
        return (PREFIX + keyId + "|" + context).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() { // never key material
        return "SecretBox[keys=" + keys.keySet() + ", current=" + current + ", plaintext=" + plaintext + "]";
    }
}
