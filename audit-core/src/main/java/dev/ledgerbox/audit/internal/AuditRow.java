package dev.ledgerbox.audit.internal;

import dev.ledgerbox.audit.internal.canonical.JsonbText;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.SortedMap;
import java.util.TreeMap;

/** One audit_log row in the making: the diff grows while the session flushes. Not thread-safe. */
final class AuditRow {

    final Instant occurredAt;
    final String entityType;
    final String entityId;
    final String operation;
    /** Each changed attribute's change as {@code jsonb} text, in {@code jsonb}'s key order. */
    final SortedMap<String, String> diff = new TreeMap<>(JsonbText.KEY_ORDER);
    /** The action and reason active on the thread when the change was flushed, if any. */
    final String action;

    final String reason;
    /** The diff as JSON text, set (and size-checked) after each change to {@link #diff}. */
    String json;

    AuditRow(Instant occurredAt, String entityType, String entityId, String operation, String action, String reason) {
        this.occurredAt = occurredAt.truncatedTo(ChronoUnit.MICROS); // what timestamptz keeps
        this.entityType = entityType;
        this.entityId = entityId;
        this.operation = operation;
        this.action = action;
        this.reason = reason;
    }
}
