package dev.ledgerbox.publisher.webhook;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Sends one signed {@code ledgerbox.test} webhook to an endpoint now, outside the delivery
 * pipeline (nothing is stored), so that an operator can check the URL, the network path and the
 * receiver's signature check. Thread-safe.
 */
public final class EndpointProbe {

    /** What the endpoint answered, or the error that stood in its way. */
    public record Result(String webhookId, int status, String body, long durationMillis, String error) {
        public boolean succeeded() {
            return error == null && status >= 200 && status <= 299;
        }
    }

    private final WebhookEndpoints endpoints;
    private final Clock clock;

    public EndpointProbe(DataSource dataSource, Clock clock, SecretBox secrets) {
        this.endpoints = new WebhookEndpoints(dataSource, secrets);
        this.clock = clock;
    }

    public Result send(UUID endpointId) throws SQLException {
        WebhookEndpoint endpoint = endpoints.find(endpointId).orElseThrow(() -> WebhookEndpoints.unknown(endpointId));
        Instant now = clock.instant();
        List<WebhookSecret> secrets = endpoints.signingSecrets(endpointId, now);
        String id = UUID.randomUUID().toString();
        byte[] body = ("{\"type\":\"ledgerbox.test\",\"timestamp\":\"" + now + "\",\"data\":{\"endpoint_id\":\""
                        + endpointId + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("webhook-id", id);
        headers.put("webhook-timestamp", Long.toString(now.getEpochSecond()));
        headers.put("webhook-signature", WebhookSigner.signature(id, now.getEpochSecond(), body, secrets));
        headers.put("content-type", "application/json");
        headers.putAll(endpoint.headers());
        try (WebhookClient client = new WebhookClient(Duration.ofSeconds(5), 1, 1024, "Ledgerbox-Webhooks/probe")) {
            WebhookClient.Response r =
                    client.post(endpoint.url(), headers, body, endpoint.timeout(), endpoint.allowPrivate());
            String error = r.error() == null
                    ? null
                    : r.error().getClass().getSimpleName() + ": " + r.error().getMessage();
            return new Result(id, r.status(), r.body(), r.durationMillis(), error);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("could not close the HTTP client", e);
        }
    }
}
