package dev.ledgerbox.publisher.spi;

import java.time.Instant;
import java.util.UUID;

/**
 * An outbox event claimed for delivery, as stored. {@code payloadJson} is PostgreSQL's canonical
 * text of the {@code jsonb} payload (keys sorted, no insignificant whitespace), the text whose
 * SHA-256 the logs report. {@code aggregateSeq} is the event's number in its aggregate, null when
 * it was written unordered. {@code attempt} counts this delivery (1 for the first).
 */
public record ClaimedEvent(
        UUID id,
        String aggregateType,
        String aggregateId,
        String type,
        String payloadJson,
        Long aggregateSeq,
        long position,
        Instant occurredAt,
        String correlationId,
        String traceparent,
        String tracestate,
        String tenantId,
        String headersJson,
        int schemaVersion,
        int attempt) {}
