package dev.ledgerbox.publisher.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.StringJoiner;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and verifies webhook bodies as the Standard Webhooks spec says: {@code v1,<base64 of
 * HMAC-SHA256 of "id.timestamp.body">}, one signature per secret, separated by spaces (several
 * while a secret is being rotated). The publisher signs what it sends; the inbox verifies what it
 * receives. Thread-safe.
 */
public final class WebhookSigner {

    private WebhookSigner() {}

    /** The value of the {@code webhook-signature} header for these secrets, in their order. */
    public static String signature(String id, long timestamp, byte[] body, List<WebhookSecret> secrets) {
        if (secrets.isEmpty()) {
            throw new WebhookException("cannot sign webhook " + id + ": the endpoint has no current secret");
        }
        byte[] prefix = (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
        StringJoiner header = new StringJoiner(" ");
        for (WebhookSecret secret : secrets) {
            header.add("v1," + Base64.getEncoder().encodeToString(hmacSha256(secret.key(), prefix, body)));
        }
        return header.toString();
    }

    /** HMAC-SHA256 of the parts, in order, under {@code key}: for this and for the inbox's signature forms. */
    public static byte[] hmacSha256(byte[] key, byte[]... parts) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            for (byte[] part : parts) {
                mac.update(part);
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    /**
     * Whether the {@code webhook-signature} header value holds a {@code v1} signature of this
     * message made with one of the secrets (compared in constant time).
     */
    public static boolean verifies(String id, long timestamp, byte[] body, String header, List<WebhookSecret> secrets) {
        if (header == null || header.isBlank()) {
            return false;
        }
        for (WebhookSecret secret : secrets) {
            byte[] expected = signature(id, timestamp, body, List.of(secret)).getBytes(StandardCharsets.US_ASCII);
            for (String given : header.trim().split("\\s+")) {
                if (MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.US_ASCII))) {
                    return true;
                }
            }
        }
        return false;
    }
}
