package dev.ledgerbox.inbox;

import dev.ledgerbox.publisher.webhook.WebhookSecret;
import dev.ledgerbox.publisher.webhook.WebhookSigner;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How a source signs what it sends, checked before anything else is done with a request. The
 * secrets are held here only: they never reach a row, a log line or {@link #toString()}. Several
 * secrets are accepted at once while a sender rotates. Immutable and thread-safe.
 */
public abstract sealed class SignatureScheme {

    private SignatureScheme() {}

    /**
     * Standard Webhooks: {@code webhook-id}, {@code webhook-timestamp} (within {@code tolerance}
     * of now) and {@code webhook-signature} ({@code v1,<base64 HMAC-SHA256 of "id.timestamp.body">});
     * secrets as {@code whsec_...}.
     */
    public static SignatureScheme standardWebhooks(List<String> secrets, Duration tolerance) {
        List<WebhookSecret> parsed = new ArrayList<>();
        for (String secret : requireSecrets(secrets, "standardWebhooks")) {
            try {
                parsed.add(WebhookSecret.parse(secret));
            } catch (RuntimeException e) {
                throw new InboxException("a Standard Webhooks secret must be whsec_ followed by base64 (the value is"
                        + " not shown): " + e.getMessage());
            }
        }
        return new StandardWebhooks(List.copyOf(parsed), tolerance);
    }

    /**
     * An HMAC-SHA256 of the body in one header, hex encoded after an optional prefix, e.g. GitHub's
     * {@code X-Hub-Signature-256: sha256=<hex>}.
     */
    public static SignatureScheme hmacSha256(String header, String prefix, List<String> secrets) {
        return new BodyHmac(header.toLowerCase(Locale.ROOT), prefix == null ? "" : prefix, keys(secrets, "hmacSha256"));
    }

    /**
     * The timestamped form {@code t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">} in one header
     * (several {@code v1} entries allowed), e.g. Stripe's {@code Stripe-Signature}, the timestamp
     * within {@code tolerance} of now.
     */
    public static SignatureScheme timestamped(String header, List<String> secrets, Duration tolerance) {
        return new Timestamped(header.toLowerCase(Locale.ROOT), keys(secrets, "timestamped"), tolerance);
    }

    /**
     * Checks one request: null when the signature is good, otherwise why not (for the captured row
     * and the 401 answer; never a secret).
     */
    abstract String verify(Map<String, String> headers, byte[] body, Instant now);

    /** The scheme's name, for rows and logs. */
    abstract String name();

    @Override
    public String toString() {
        return name();
    }

    private static List<String> requireSecrets(List<String> secrets, String scheme) {
        if (secrets == null || secrets.isEmpty() || secrets.stream().anyMatch(s -> s == null || s.isBlank())) {
            throw new InboxException(scheme + " needs at least one secret, and no blank one");
        }
        return secrets;
    }

    private static List<byte[]> keys(List<String> secrets, String scheme) {
        return requireSecrets(secrets, scheme).stream()
                .map(s -> s.getBytes(StandardCharsets.UTF_8))
                .toList();
    }

    /**
     * Whether one of the given hex signatures is the HMAC-SHA256 of the parts under one of the keys
     * (compared in constant time).
     */
    private static boolean anyMatches(List<byte[]> keys, List<byte[]> given, byte[]... parts) {
        for (byte[] key : keys) {
            byte[] expected = HexFormat.of()
                    .formatHex(WebhookSigner.hmacSha256(key, parts))
                    .getBytes(StandardCharsets.US_ASCII);
            for (byte[] signature : given) {
                if (MessageDigest.isEqual(expected, signature)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String outsideTolerance(long seconds, Instant now, Duration tolerance) {
        long skew = Math.abs(now.getEpochSecond() - seconds);
        return skew > tolerance.toSeconds()
                ? "timestamp " + seconds + " is " + skew + " s from now, more than the " + tolerance.toSeconds()
                        + " s allowed"
                : null;
    }

    static final class StandardWebhooks extends SignatureScheme {
        private final List<WebhookSecret> secrets;
        private final Duration tolerance;

        StandardWebhooks(List<WebhookSecret> secrets, Duration tolerance) {
            this.secrets = secrets;
            this.tolerance = tolerance;
        }

        @Override
        String verify(Map<String, String> headers, byte[] body, Instant now) {
            String id = headers.get("webhook-id");
            String timestamp = headers.get("webhook-timestamp");
            String signature = headers.get("webhook-signature");
            if (id == null || timestamp == null || signature == null) {
                return "missing webhook-id, webhook-timestamp or webhook-signature header";
            }
            long seconds;
            try {
                seconds = Long.parseLong(timestamp.trim());
            } catch (NumberFormatException e) {
                return "webhook-timestamp '" + abbreviate(timestamp) + "' is not a number of seconds";
            }
            String late = outsideTolerance(seconds, now, tolerance);
            if (late != null) {
                return late;
            }
            return WebhookSigner.verifies(id, seconds, body, signature, secrets)
                    ? null
                    : "no webhook-signature matches the body with a current secret";
        }

        @Override
        String name() {
            return "standard-webhooks";
        }
    }

    static final class BodyHmac extends SignatureScheme {
        private final String header;
        private final String prefix;
        private final List<byte[]> keys;

        BodyHmac(String header, String prefix, List<byte[]> keys) {
            this.header = header;
            this.prefix = prefix;
            this.keys = keys;
        }

        @Override
        String verify(Map<String, String> headers, byte[] body, Instant now) {
            String given = headers.get(header);
            if (given == null) {
                return "missing " + header + " header";
            }
            given = given.trim();
            if (!given.startsWith(prefix)) {
                return header + " does not start with '" + prefix + "'";
            }
            byte[] signature =
                    given.substring(prefix.length()).toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
            return anyMatches(keys, List.of(signature), body)
                    ? null
                    : header + " does not match the body with a current secret";
        }

        @Override
        String name() {
            return "hmac-sha256:" + header;
        }
    }

    static final class Timestamped extends SignatureScheme {
        private final String header;
        private final List<byte[]> keys;
        private final Duration tolerance;

        Timestamped(String header, List<byte[]> keys, Duration tolerance) {
            this.header = header;
            this.keys = keys;
            this.tolerance = tolerance;
        }

        @Override
        String verify(Map<String, String> headers, byte[] body, Instant now) {
            String given = headers.get(header);
            if (given == null) {
                return "missing " + header + " header";
            }
            String t = null;
            List<byte[]> signatures = new ArrayList<>();
            for (String part : given.split(",")) {
                String[] kv = part.trim().split("=", 2);
                if (kv.length == 2 && kv[0].equals("t")) {
                    t = kv[1];
                } else if (kv.length == 2 && kv[0].equals("v1")) {
                    signatures.add(kv[1].toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
                }
            }
            if (t == null || signatures.isEmpty()) {
                return header + " needs t=<seconds> and v1=<signature>";
            }
            long seconds;
            try {
                seconds = Long.parseLong(t);
            } catch (NumberFormatException e) {
                return header + " has t='" + abbreviate(t) + "', not a number of seconds";
            }
            String late = outsideTolerance(seconds, now, tolerance);
            if (late != null) {
                return late;
            }
            if (anyMatches(keys, signatures, (t + ".").getBytes(StandardCharsets.UTF_8), body)) {
                return null;
            }
            return header + " has no v1 signature that matches the body with a current secret";
        }

        @Override
        String name() {
            return "timestamped:" + header;
        }
    }

    private static String abbreviate(String value) {
        return value.length() <= 40 ? value : value.substring(0, 40) + "...";
    }
}
