package dev.ledgerbox.publisher.outbox;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Which events to replay; null or empty parts do not filter. */
public record ReplayFilter(
        List<UUID> ids,
        String type,
        String aggregateType,
        String aggregateId,
        Instant from,
        Instant to,
        List<String> statuses) {}
