package dev.ledgerbox.outbox.internal;

import java.time.Instant;
import java.util.UUID;

/**
 * One outbox row, ready to insert: validated, serialised, with its context. {@code ordered}: whether
 * it takes the next number in its aggregate.
 */
record EventRecord(
        UUID id,
        String aggregateType,
        String aggregateId,
        String type,
        String payloadJson,
        Instant occurredAt,
        String correlationId,
        String traceparent,
        String tracestate,
        String tenantId,
        String headersJson,
        int schemaVersion,
        boolean ordered) {}
