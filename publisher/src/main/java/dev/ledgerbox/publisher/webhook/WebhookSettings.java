package dev.ledgerbox.publisher.webhook;

import java.time.Duration;
import java.util.List;

/**
 * The webhook dispatcher's settings, keys under {@code publisher.webhook.}; read and checked with
 * the rest of the publisher settings. Immutable.
 *
 * @param enabled whether this instance delivers webhooks (and routes events to endpoints)
 * @param concurrency attempts in flight at once, over all endpoints
 * @param retrySchedule the waits between attempts; attempts in all = its size + 1
 * @param retryAfterMax the longest {@code Retry-After} honoured; longer ones are cut to it
 * @param responseBodyMax bytes of a response body stored with the attempt
 * @param connectTimeout the TCP (and TLS) connect timeout
 * @param circuitFailures failures in a row that open an endpoint's circuit
 * @param circuitOpen how long an open circuit stays open before a probe
 * @param endpointRefresh how often endpoint settings and secrets are re-read
 * @param retention delivered and dead deliveries older than this are deleted (zero: kept)
 * @param secrets how signing secrets and header values are sealed at rest
 */
public record WebhookSettings(
        boolean enabled,
        int concurrency,
        List<Duration> retrySchedule,
        Duration retryAfterMax,
        int responseBodyMax,
        Duration connectTimeout,
        int circuitFailures,
        Duration circuitOpen,
        Duration endpointRefresh,
        Duration retention,
        SecretBox secrets) {

    public WebhookSettings {
        retrySchedule = List.copyOf(retrySchedule);
    }
}
