package dev.ledgerbox.publisher.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.List;
import java.util.StringJoiner;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs webhook bodies as the Standard Webhooks spec says: {@code v1,<base64 of HMAC-SHA256 of
 * "id.timestamp.body">}, one signature per secret, separated by spaces (several while a secret is
 * being rotated). Thread-safe.
 */
final class WebhookSigner {

    private WebhookSigner() {}

    /** The value of the {@code webhook-signature} header for these secrets, in their order. */
    public static String signature(String id, long timestamp, byte[] body, List<WebhookSecret> secrets) {
        if (secrets.isEmpty()) {
            throw new WebhookException("cannot sign webhook " + id + ": the endpoint has no current secret");
        }
        byte[] prefix = (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
        StringJoiner header = new StringJoiner(" ");
        for (WebhookSecret secret : secrets) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(secret.key(), "HmacSHA256"));
                mac.update(prefix);
                header.add("v1," + Base64.getEncoder().encodeToString(mac.doFinal(body)));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
            }
        }
        return header.toString();
    }
}
