package dev.ledgerbox.publisher;

import dev.ledgerbox.publisher.engine.RetryPolicy;
import dev.ledgerbox.publisher.webhook.SecretBox;
import dev.ledgerbox.publisher.webhook.WebhookSettings;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.function.DoubleSupplier;
import java.util.function.Function;

/**
 * The publisher's settings, read from MicroProfile Config keys under {@code publisher.}; every
 * value is checked at startup and a bad one is reported with its key.
 *
 * <p>Durations are written {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 7d} or in
 * ISO-8601 ({@code PT30S}).
 */
public record PublisherSettings(
        String jdbcUrl,
        String user,
        String password,
        String instanceId,
        int batchSize,
        Duration lease,
        Duration pollInterval,
        int concurrency,
        int maxAttempts,
        Duration retryBase,
        Duration retryMax,
        Duration retention,
        int retentionBatch,
        String httpHost,
        int httpPort,
        Duration readyMaxLag,
        boolean logPayload,
        Duration sealInterval,
        WebhookSettings webhook) {

    public static final String PREFIX = "publisher.";

    /** Reads and checks the settings; {@code source} returns null for a key that is not set. */
    public static PublisherSettings from(Function<String, String> source) {
        SettingsReader r = new SettingsReader(PREFIX, source);
        String url = r.required("jdbc.url", "the publisher needs it to reach the database");
        if (!url.startsWith("jdbc:postgresql:")) {
            throw new ConfigurationException(
                    PREFIX + "jdbc.url is '" + url + "': it must be a PostgreSQL JDBC URL (jdbc:postgresql://host/db)");
        }
        PublisherSettings settings = new PublisherSettings(
                url,
                r.text("jdbc.user", null),
                r.text("jdbc.password", null),
                r.text("instance-id", defaultInstanceId()),
                r.integer("batch-size", 100, 1, 10_000),
                r.duration("lease", "30s", Duration.ofSeconds(1)),
                r.duration("poll-interval", "1s", Duration.ofMillis(10)),
                r.integer("concurrency", 4, 1, 256),
                r.integer("max-attempts", 10, 1, 1_000),
                r.duration("retry.base", "1s", Duration.ofMillis(1)),
                r.duration("retry.max", "10m", Duration.ofMillis(1)),
                r.duration("retention", "7d", Duration.ZERO),
                r.integer("retention.batch", 1000, 1, 100_000),
                r.text("http.host", "0.0.0.0"),
                r.integer("http.port", 9090, -1, 65_535),
                r.duration("ready.max-lag", "5m", Duration.ofSeconds(1)),
                r.bool("log.payload", false),
                r.duration("audit.seal-interval", "5s", Duration.ZERO),
                new WebhookSettings(
                        r.bool("webhook.enabled", true),
                        r.integer("webhook.concurrency", 32, 1, 1024),
                        r.durations("webhook.retry-schedule", RetryPolicy.STANDARD_WEBHOOKS),
                        r.duration("webhook.retry-after-max", "1h", Duration.ZERO),
                        r.integer("webhook.response-body-max", 4096, 0, 1 << 20),
                        r.duration("webhook.connect-timeout", "5s", Duration.ofMillis(10)),
                        r.integer("webhook.circuit.failures", 5, 1, 1_000),
                        r.duration("webhook.circuit.open", "30s", Duration.ofMillis(1)),
                        r.duration("webhook.endpoint-refresh", "5s", Duration.ofMillis(10)),
                        r.duration("webhook.retention", "30d", Duration.ZERO),
                        secrets(r)));
        if (settings.retryMax.compareTo(settings.retryBase) < 0) {
            throw new ConfigurationException(PREFIX + "retry.max (" + settings.retryMax + ") is shorter than " + PREFIX
                    + "retry.base (" + settings.retryBase + ")");
        }
        return settings;
    }

    /**
     * The outbox's retry policy: doubling from {@code retry.base} up to {@code retry.max}, with a
     * jitter of ± 20 %, {@code max-attempts} in all.
     */
    public RetryPolicy retryPolicy(DoubleSupplier random) {
        return new RetryPolicy(
                RetryPolicy.exponential(retryBase, retryMax, maxAttempts), 0.2, webhook.retryAfterMax(), random);
    }

    /** The keys that seal webhook secrets at rest: {@code secrets.keys}, or a key file, or clear text. */
    private static SecretBox secrets(SettingsReader r) {
        String keys = r.text("secrets.keys", null);
        String file = r.text("secrets.key-file", null);
        boolean plaintext = r.bool("secrets.plaintext", false);
        if (keys != null && file != null) {
            throw new ConfigurationException(
                    PREFIX + "secrets.keys and " + PREFIX + "secrets.key-file are both set: give the keys one way");
        }
        if (plaintext && (keys != null || file != null)) {
            throw new ConfigurationException(PREFIX + "secrets.plaintext is true and keys are set: with keys, secrets"
                    + " are sealed; remove one of them");
        }
        try {
            if (file != null) {
                return SecretBox.ofFile(java.nio.file.Path.of(file), PREFIX + "secrets.key-file");
            }
            return SecretBox.of(keys == null ? "" : keys, plaintext, PREFIX + "secrets.keys");
        } catch (dev.ledgerbox.publisher.webhook.WebhookException e) {
            throw new ConfigurationException(e.getMessage());
        }
    }

    @Override
    public String toString() { // never the password
        return "PublisherSettings[jdbcUrl=" + jdbcUrl + ", user=" + user + ", instanceId=" + instanceId
                + ", batchSize=" + batchSize + ", lease=" + lease + ", pollInterval=" + pollInterval
                + ", concurrency=" + concurrency + ", maxAttempts=" + maxAttempts + ", retention=" + retention
                + ", httpHost=" + httpHost + ", httpPort=" + httpPort + ", webhook=" + webhook + "]";
    }

    private static String defaultInstanceId() {
        return ManagementFactory.getRuntimeMXBean().getName(); // pid@host
    }

    /** Parses {@code 30s}, {@code 5m}, ... or ISO-8601; null when it is neither. */
    public static Duration parseDuration(String text) {
        return SettingsReader.parseDuration(text);
    }
}
