package dev.ledgerbox.publisher.webhook;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A registered endpoint, as stored (its secrets are not part of it). Immutable. */
public record WebhookEndpoint(
        UUID id,
        URI url,
        String description,
        List<String> eventTypes,
        boolean enabled,
        String disabledReason,
        boolean allowPrivate,
        Duration timeout,
        int maxConcurrency,
        Integer ratePerSecond,
        Map<String, String> headers,
        Instant createdAt) {

    @Override
    public String toString() { // header values may be credentials
        return "WebhookEndpoint[id=" + id + ", url=" + url + ", eventTypes=" + eventTypes + ", enabled=" + enabled
                + ", headers=" + headers.keySet() + "]";
    }
}
