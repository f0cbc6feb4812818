package dev.ledgerbox.publisher.webhook;

import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** The records that pass between the dispatcher and its store. */
final class Deliveries {

    private Deliveries() {}

    /** A delivery claimed for one attempt ({@code attempt} counts it, 1 for the first). */
    record Claimed(
            long id,
            UUID eventId,
            UUID endpointId,
            int attempt,
            Long replayId,
            String type,
            String body,
            String correlationId,
            String traceparent,
            Instant occurredAt) {}

    /** The request of one attempt: what is sent, and what is stored (redacted). */
    record Request(
            URI url,
            Map<String, String> headers,
            Map<String, String> storedHeaders,
            byte[] body,
            String bodySha256,
            Instant requestedAt) {}

    /** A claimed delivery with its request, written to {@code webhook_attempt} as {@code attemptId}. */
    record Prepared(Claimed delivery, Request request, long attemptId) {}

    /**
     * One attempt as the engine's work: the prepared request, what came back once sent, and whether
     * it is done (sent and judged, or given back) and only waits to be recorded.
     */
    static final class Attempt {
        final Prepared prepared;
        volatile WebhookClient.Response response;
        volatile boolean done;
        /** Whether it no longer counts against its endpoint's rounds in hand (its recording was tried). */
        volatile boolean leftHand;

        Attempt(Prepared prepared) {
            this.prepared = prepared;
        }
    }

    enum Verdict {
        DELIVERED,
        RETRY,
        DEAD,
        GONE,
        /** Not sent (its endpoint's circuit opened while it waited): given back, its attempt unspent. */
        RELEASED
    }

    /** What became of one attempt, ready to be recorded. */
    record Result(
            Prepared prepared,
            WebhookClient.Response response,
            Verdict verdict,
            Instant nextAttemptAt,
            String reason,
            Instant respondedAt) {}
}
