package dev.ledgerbox.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.ledgerbox.outbox.spi.Schemas;
import dev.ledgerbox.publisher.spi.ShownStatus;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The console's reads that are not figures: deliveries and their attempts, an endpoint's recent
 * failures, an entity's audit history, an actor's changes, and everything one correlation id did.
 * Every table of a module that is not installed reads as empty. Thread-safe.
 */
final class Lookups {

    private static final String DELIVERY_COLUMNS = "d.id, d.event_id AS \"eventId\", d.endpoint_id AS \"endpointId\","
            + " e.url, m.type AS \"eventType\", d.aggregatetype AS \"aggregateType\", d.aggregateid AS \"aggregateId\","
            + " " + ShownStatus.of("d")
            + " AS status, d.attempts, d.last_status AS \"lastStatus\", d.last_error AS \"lastError\","
            + " m.correlation_id AS \"correlationId\", m.occurred_at AS \"occurredAt\", d.created_at AS \"createdAt\","
            + " d.next_attempt_at AS \"nextAttemptAt\", d.delivered_at AS \"deliveredAt\", d.dead_at AS \"deadAt\","
            + " d.replay_id AS \"replayId\"";
    private static final String DELIVERY_FROM =
            " FROM webhook_delivery d JOIN webhook_message m ON m.event_id = d.event_id"
                    + " JOIN webhook_endpoint e ON e.id = d.endpoint_id";

    private final DataSource dataSource;

    Lookups(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Which deliveries: every field optional; newest first, before the id {@code before} when given. */
    record DeliveryFilter(
            UUID endpointId,
            String eventType,
            String status,
            String aggregateId,
            String correlationId,
            Instant from,
            Instant to,
            Long before,
            int limit) {}

    List<Map<String, Object>> deliveries(DeliveryFilter f) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            if (!Schemas.installed(c, "webhook_delivery")) {
                return List.of();
            }
            return Rows.query(
                    c,
                    "SELECT " + DELIVERY_COLUMNS + DELIVERY_FROM + " WHERE (?::uuid IS NULL OR d.endpoint_id = ?::uuid)"
                            + " AND (?::text IS NULL OR ledgerbox_webhook_matches(ARRAY[?::text], m.type))"
                            + " AND (?::text IS NULL OR " + ShownStatus.of("d") + " = ?::text)"
                            + " AND (?::text IS NULL OR d.aggregateid = ?::text)"
                            + " AND (?::text IS NULL OR m.correlation_id = ?::text)"
                            + " AND (?::timestamptz IS NULL OR d.created_at >= ?::timestamptz)"
                            + " AND (?::timestamptz IS NULL OR d.created_at < ?::timestamptz)"
                            + " AND (?::bigint IS NULL OR d.id < ?::bigint)"
                            + " ORDER BY d.id DESC LIMIT ?",
                    f.endpointId(),
                    f.endpointId(),
                    f.eventType(),
                    f.eventType(),
                    f.status(),
                    f.status(),
                    f.aggregateId(),
                    f.aggregateId(),
                    f.correlationId(),
                    f.correlationId(),
                    f.from(),
                    f.from(),
                    f.to(),
                    f.to(),
                    f.before(),
                    f.before(),
                    f.limit());
        }
    }

    /** One delivery with its event's body and every attempt, oldest first; null when there is none. */
    Map<String, Object> delivery(long id) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            if (!Schemas.installed(c, "webhook_delivery")) {
                return null;
            }
            List<Map<String, Object>> rows = Rows.query(
                    c,
                    "SELECT " + DELIVERY_COLUMNS + ", m.body, m.traceparent" + DELIVERY_FROM + " WHERE d.id = ?",
                    id);
            if (rows.isEmpty()) {
                return null;
            }
            Map<String, Object> delivery = rows.get(0);
            delivery.put("body", parsed((String) delivery.get("body")));
            delivery.put(
                    "attempts",
                    Rows.query(
                            c,
                            "SELECT id, attempt, replay_id AS \"replayId\", request_url AS \"requestUrl\","
                                    + " request_headers AS \"requestHeaders\", request_body_sha256 AS \"requestBodySha256\","
                                    + " request_bytes AS \"requestBytes\", requested_at AS \"requestedAt\","
                                    + " responded_at AS \"respondedAt\", duration_ms AS \"durationMs\","
                                    + " response_status AS \"responseStatus\", response_headers AS \"responseHeaders\","
                                    + " response_body AS \"responseBody\", response_truncated AS \"responseTruncated\","
                                    + " error_class AS \"errorClass\", error_message AS \"errorMessage\", outcome"
                                    + " FROM webhook_attempt WHERE delivery_id = ? ORDER BY id",
                            id));
            return delivery;
        }
    }

    /** An endpoint's last failed attempts, newest first. */
    List<Map<String, Object>> recentFailures(UUID endpointId, int limit) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return Rows.query(
                    c,
                    "SELECT a.id, a.delivery_id AS \"deliveryId\", a.attempt, a.requested_at AS \"requestedAt\","
                            + " a.duration_ms AS \"durationMs\", a.response_status AS \"responseStatus\","
                            + " a.error_class AS \"errorClass\", a.error_message AS \"errorMessage\", a.outcome"
                            + " FROM webhook_attempt a WHERE a.endpoint_id = ? AND a.outcome IN ('RETRY', 'DEAD', 'GONE')"
                            + " ORDER BY a.id DESC LIMIT ?",
                    endpointId,
                    limit);
        }
    }

    /** The audit rows of one entity, oldest first. */
    List<Map<String, Object>> entityHistory(String entityType, String entityId, int limit) throws SQLException {
        return audit("entity_type = ? AND entity_id = ? ORDER BY occurred_at, id", entityType, entityId, limit);
    }

    /** What one actor changed since a time, newest first. */
    List<Map<String, Object>> actorHistory(String actorId, Instant since, int limit) throws SQLException {
        return audit("actor_id = ? AND occurred_at >= ? ORDER BY occurred_at DESC, id DESC", actorId, since, limit);
    }

    private List<Map<String, Object>> audit(String where, Object... params) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            if (!Schemas.installed(c, "audit_log")) {
                return List.of();
            }
            return Rows.query(
                    c,
                    "SELECT id, occurred_at AS \"occurredAt\", tx_id AS \"txId\", entity_type AS \"entityType\","
                            + " entity_id AS \"entityId\", operation, diff, action, reason, actor_id AS \"actorId\","
                            + " actor_name AS \"actorName\", tenant_id AS \"tenantId\", correlation_id AS \"correlationId\","
                            + " trace_id AS \"traceId\", host(client_ip) AS \"clientIp\", user_agent AS \"userAgent\","
                            + " outbox_event_id AS \"outboxEventId\" FROM audit_log WHERE " + where + " LIMIT ?",
                    params);
        }
    }

    /** How much of the audit log is sealed: rows, sealed rows, chains, the last seal. */
    Map<String, Object> sealStatus() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            if (!Schemas.installed(c, "audit_seal")) {
                return Map.of("installed", false);
            }
            Map<String, Object> status = new LinkedHashMap<>(Rows.query(
                            c,
                            "SELECT true AS installed, (SELECT count(*) FROM audit_log) AS rows,"
                                    + " (SELECT coalesce(sum(cardinality(audit_ids)), 0) FROM audit_seal) AS \"sealedRows\","
                                    + " (SELECT count(DISTINCT chain_key) FROM audit_seal) AS chains,"
                                    + " (SELECT max(sealed_at) FROM audit_seal) AS \"lastSealedAt\"")
                    .get(0));
            return status;
        }
    }

    /**
     * Everything one correlation id did, on one timeline: audit rows, outbox events, webhook
     * attempts, inbound messages, outbound attempts.
     */
    List<Map<String, Object>> trace(String correlationId) throws SQLException {
        List<Map<String, Object>> items = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            if (Schemas.installed(c, "audit_log")) {
                items.addAll(Rows.query(
                        c,
                        "SELECT occurred_at AS at, 'audit' AS kind, operation || ' ' || entity_type || ' ' || entity_id"
                                + " AS title, id::text AS ref, coalesce(actor_name, actor_id) AS actor, diff AS detail"
                                + " FROM audit_log WHERE correlation_id = ? ORDER BY occurred_at, id LIMIT 1000",
                        correlationId));
            }
            items.addAll(Rows.query(
                    c,
                    "SELECT occurred_at AS at, 'event' AS kind, type || ' ' || aggregatetype || ' ' || aggregateid AS title,"
                            + " id::text AS ref, " + ShownStatus.of("") + " AS status, payload AS detail"
                            + " FROM outbox_event WHERE correlation_id = ?"
                            + " ORDER BY position LIMIT 1000",
                    correlationId));
            if (Schemas.installed(c, "webhook_attempt")) {
                items.addAll(Rows.query(
                        c,
                        "SELECT a.requested_at AS at, 'webhook' AS kind, m.type || ' to ' || e.url AS title,"
                                + " a.delivery_id::text AS ref, a.attempt, a.outcome AS status,"
                                + " a.response_status AS \"responseStatus\", a.duration_ms AS \"durationMs\","
                                + " a.error_message AS error FROM webhook_message m"
                                + " JOIN webhook_attempt a ON a.event_id = m.event_id"
                                + " JOIN webhook_endpoint e ON e.id = a.endpoint_id"
                                + " WHERE m.correlation_id = ? ORDER BY a.id LIMIT 1000",
                        correlationId));
            }
            if (Schemas.installed(c, "inbox_message")) {
                items.addAll(Rows.query(
                        c,
                        "SELECT received_at AS at, 'inbound' AS kind, source || ' ' || idempotency_key AS title,"
                                + " id::text AS ref, status, response_status AS \"responseStatus\""
                                + " FROM inbox_message WHERE correlation_id = ? ORDER BY id LIMIT 1000",
                        correlationId));
            }
            if (Schemas.installed(c, "outbound_attempt")) {
                items.addAll(Rows.query(
                        c,
                        "SELECT requested_at AS at, 'outbound' AS kind, request_method || ' ' || destination || ' ' || request_url AS title,"
                                + " attempt_id::text AS ref, attempt, response_status AS \"responseStatus\","
                                + " duration_ms AS \"durationMs\", error_code AS error FROM outbound_attempt"
                                + " WHERE correlation_id = ? OR origin_correlation_id = ? ORDER BY requested_at LIMIT 1000",
                        correlationId,
                        correlationId));
            }
        }
        items.sort(Comparator.comparing(i -> (String) i.get("at")));
        return items;
    }

    private static Object parsed(String body) {
        if (body == null) {
            return null;
        }
        try {
            return Rows.JSON.readTree(body);
        } catch (JsonProcessingException e) {
            return body;
        }
    }
}
