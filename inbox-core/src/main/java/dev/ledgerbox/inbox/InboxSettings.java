package dev.ledgerbox.inbox;

import dev.ledgerbox.outbox.spi.TrustedProxies;
import dev.ledgerbox.publisher.PublisherSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The inbox's configuration keys (MicroProfile Config in an application), read into sources and
 * settings; a wrong value is refused with its key, the value (never a secret's) and the fix.
 *
 * <pre>
 * inbox.sources=payments
 * inbox.source.payments.key=header:webhook-id            # or body:/data/object/id, or a+b, or generated
 * inbox.source.payments.signature=standard-webhooks      # or hmac-sha256:HEADER[:PREFIX], timestamped:HEADER, none
 * inbox.source.payments.secrets=whsec_...                # comma-separated, several during a rotation
 * inbox.source.payments.tolerance=5m
 * inbox.source.payments.mode=sync                        # or async
 * inbox.source.payments.max-body-bytes=1048576
 * inbox.source.payments.json=true
 * inbox.source.payments.redact-headers=x-account-token
 * inbox.datasource=java:comp/DefaultDataSource
 * inbox.lease=5m
 * inbox.trusted-proxies=10.0.0.0/8
 * inbox.retention=90d
 * inbox.outcome-linger=10ms
 * </pre>
 */
public record InboxSettings(
        List<InboxSource> sources,
        String dataSource,
        Duration lease,
        TrustedProxies trustedProxies,
        Duration retention,
        Duration outcomeLinger) {

    public static final String PREFIX = "inbox.";

    /** Reads the settings; {@code config} answers a key with its value or null. */
    public static InboxSettings from(Function<String, String> config) {
        List<InboxSource> sources = new ArrayList<>();
        String names = config.apply(PREFIX + "sources");
        if (names != null && !names.isBlank()) {
            for (String name : names.split(",")) {
                sources.add(source(name.trim(), config));
            }
        }
        return new InboxSettings(
                List.copyOf(sources),
                value(config, "datasource", "java:comp/DefaultDataSource"),
                duration(config, "lease", "5m"),
                TrustedProxies.parse(config.apply(PREFIX + "trusted-proxies"), PREFIX + "trusted-proxies"),
                duration(config, "retention", "90d"),
                duration(config, "outcome-linger", "10ms"));
    }

    private static InboxSource source(String name, Function<String, String> config) {
        String at = PREFIX + "source." + name + ".";
        InboxSource.Builder b = InboxSource.builder(name);
        String key = config.apply(at + "key");
        if (key == null || key.isBlank()) {
            throw new InboxException(at + "key is missing: say where the sender's id of a delivery is, e.g."
                    + " header:webhook-id or body:/data/object/id");
        }
        b.key(key(at + "key", key));
        String scheme = value(config, at + "signature", "none", true);
        if (!scheme.equals("none")) {
            List<String> secrets = secrets(config.apply(at + "secrets"));
            if (secrets.isEmpty()) {
                throw new InboxException(
                        at + "secrets is missing: signature " + scheme + " needs the secret(s)," + " comma-separated");
            }
            Duration tolerance = durationAt(config, at + "tolerance", "5m");
            String[] parts = scheme.split(":", 3);
            b.signature(
                    switch (parts[0]) {
                        case "standard-webhooks" -> SignatureScheme.standardWebhooks(secrets, tolerance);
                        case "hmac-sha256" -> {
                            if (parts.length < 2) {
                                throw new InboxException(at + "signature is '" + scheme
                                        + "': write hmac-sha256:HEADER or hmac-sha256:HEADER:PREFIX");
                            }
                            yield SignatureScheme.hmacSha256(parts[1], parts.length == 3 ? parts[2] : "", secrets);
                        }
                        case "timestamped" -> {
                            if (parts.length < 2) {
                                throw new InboxException(
                                        at + "signature is '" + scheme + "': write timestamped:HEADER");
                            }
                            yield SignatureScheme.timestamped(parts[1], secrets, tolerance);
                        }
                        default -> throw new InboxException(at + "signature is '" + scheme + "': use"
                                + " standard-webhooks, hmac-sha256:HEADER[:PREFIX], timestamped:HEADER or none");
                    });
        }
        String mode = value(config, at + "mode", "sync", true).toUpperCase(Locale.ROOT);
        try {
            b.mode(InboxSource.Mode.valueOf(mode));
        } catch (IllegalArgumentException e) {
            throw new InboxException(at + "mode is '" + mode.toLowerCase(Locale.ROOT) + "': use sync or async");
        }
        String max = config.apply(at + "max-body-bytes");
        if (max != null) {
            try {
                b.maxBodyBytes(Integer.parseInt(max.trim()));
            } catch (NumberFormatException e) {
                throw new InboxException(at + "max-body-bytes is '" + max + "': write a number of bytes");
            }
        }
        String json = value(config, at + "json", "true", true);
        if (!json.equals("true") && !json.equals("false")) {
            throw new InboxException(at + "json is '" + json + "': use true or false");
        }
        b.json(Boolean.parseBoolean(json));
        String redact = config.apply(at + "redact-headers");
        if (redact != null && !redact.isBlank()) {
            b.redactHeaders(Arrays.stream(redact.split(",")).map(String::trim).toArray(String[]::new));
        }
        return b.build();
    }

    private static IdempotencyKey key(String setting, String text) {
        String[] parts = text.split("\\+");
        List<IdempotencyKey> keys = new ArrayList<>();
        for (String part : parts) {
            String p = part.trim();
            if (p.startsWith("header:")) {
                keys.add(IdempotencyKey.header(p.substring("header:".length()).split("\\|")));
            } else if (p.startsWith("body:")) {
                keys.add(IdempotencyKey.jsonPointer(p.substring("body:".length())));
            } else if (p.equals("generated") && parts.length == 1) {
                keys.add(IdempotencyKey.generated());
            } else {
                throw new InboxException(setting + " is '" + text + "': write header:NAME, body:/json/pointer,"
                        + " several joined by +, or generated (the last resort)");
            }
        }
        return keys.size() == 1 ? keys.get(0) : IdempotencyKey.combined(keys.toArray(IdempotencyKey[]::new));
    }

    private static List<String> secrets(String text) {
        if (text == null) {
            return List.of();
        }
        return Arrays.stream(text.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    private static String value(Function<String, String> config, String key, String fallback) {
        return value(config, PREFIX + key, fallback, true);
    }

    private static String value(Function<String, String> config, String fullKey, String fallback, boolean trim) {
        String v = config.apply(fullKey);
        return v == null || v.isBlank() ? fallback : trim ? v.trim() : v;
    }

    private static Duration duration(Function<String, String> config, String key, String fallback) {
        return durationAt(config, PREFIX + key, fallback);
    }

    private static Duration durationAt(Function<String, String> config, String fullKey, String fallback) {
        String text = value(config, fullKey, fallback, true);
        Duration d = PublisherSettings.parseDuration(text);
        if (d == null || d.isNegative()) {
            throw new InboxException(fullKey + " is '" + text + "': write a duration such as 30s, 5m, 24h or 90d");
        }
        return d;
    }
}
