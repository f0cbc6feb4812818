package dev.ledgerbox.publisher.webhook;

import dev.ledgerbox.publisher.spi.ShownStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiConsumer;
import javax.sql.DataSource;

/**
 * Lists dead deliveries and replays them: a replayed delivery starts its attempts afresh, with the
 * same {@code webhook-id} and a new timestamp and signature. Every replay is recorded in
 * {@code webhook_replay} with who asked and why, and its deliveries and attempts point to it.
 * Replays run in bounded batches, so a large one never loads everything at once. Thread-safe.
 */
public final class DeadLetters {

    private static final int BATCH = 1000;

    private final DataSource dataSource;

    public DeadLetters(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Which deliveries: any of the given delivery ids (none: any), of an endpoint, of event types
     * matching a filter ({@code order.*}), of events that occurred in {@code [from, to)}, in one
     * of the statuses (default {@code DEAD}; {@code DELIVERED} to send again).
     */
    public record Filter(
            List<Long> deliveryIds,
            UUID endpointId,
            String eventType,
            Instant from,
            Instant to,
            List<String> statuses) {

        public Filter {
            deliveryIds = deliveryIds == null ? List.of() : List.copyOf(deliveryIds);
            statuses = statuses == null || statuses.isEmpty() ? List.of("DEAD") : List.copyOf(statuses);
            for (String s : statuses) {
                if (!List.of("DEAD", "DELIVERED", "FAILED").contains(s)) {
                    throw new WebhookException(
                            "cannot replay deliveries in status '" + s + "': use DEAD, FAILED or DELIVERED");
                }
            }
            if (eventType != null) {
                eventType = EndpointSpec.eventType(eventType);
            }
        }

        public static Filter dead() {
            return new Filter(null, null, null, null, null, null);
        }

        /** Whether the filter names deliveries (ids, an endpoint, a type or a time), not all of a status. */
        public boolean narrowed() {
            return !deliveryIds.isEmpty() || endpointId != null || eventType != null || from != null || to != null;
        }

        Map<String, Object> asJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            if (!deliveryIds.isEmpty()) {
                json.put("delivery_ids", deliveryIds);
            }
            json.put("endpoint_id", endpointId == null ? null : endpointId.toString());
            json.put("event_type", eventType);
            json.put("from", from == null ? null : from.toString());
            json.put("to", to == null ? null : to.toString());
            json.put("statuses", statuses);
            return json;
        }
    }

    /** One dead (or otherwise selected) delivery. */
    public record Entry(
            long deliveryId,
            UUID eventId,
            UUID endpointId,
            String url,
            String eventType,
            String aggregateType,
            String aggregateId,
            String status,
            int attempts,
            Integer lastStatus,
            String lastError,
            Instant occurredAt,
            Instant deadAt) {}

    private static final String WHERE =
            " WHERE " + ShownStatus.of("d") + " = ANY (?) AND (cardinality(?::bigint[]) = 0 OR d.id = ANY (?))"
                    + " AND (?::uuid IS NULL OR d.endpoint_id = ?::uuid)"
                    + " AND (?::text IS NULL OR ledgerbox_webhook_matches(ARRAY[?::text], m.type))"
                    + " AND (?::timestamptz IS NULL OR m.occurred_at >= ?::timestamptz)"
                    + " AND (?::timestamptz IS NULL OR m.occurred_at < ?::timestamptz)";

    /**
     * Deliveries per endpoint URL and status ({@code PENDING}, {@code CLAIMED}, {@code FAILED},
     * {@code DELIVERED}, {@code DEAD}); empty when the webhook schema is not installed.
     */
    public Map<String, Map<String, Long>> countsByEndpoint() throws SQLException {
        Map<String, Map<String, Long>> counts = new java.util.TreeMap<>();
        try (Connection c = dataSource.getConnection()) {
            if (!dev.ledgerbox.outbox.spi.Schemas.installed(c, "webhook_delivery")) {
                return counts;
            }
            try (PreparedStatement ps = c.prepareStatement(
                            "SELECT e.url, " + ShownStatus.of("d") + ", count(*) FROM webhook_delivery d"
                                    + " JOIN webhook_endpoint e ON e.id = d.endpoint_id GROUP BY 1, 2");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    counts.computeIfAbsent(rs.getString(1), k -> new java.util.HashMap<>())
                            .put(rs.getString(2), rs.getLong(3));
                }
            }
        }
        return counts;
    }

    public List<Entry> list(Filter filter, int limit) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT d.id, d.event_id, d.endpoint_id, e.url, m.type,"
                        + " m.aggregatetype, m.aggregateid, " + ShownStatus.of("d") + ", d.attempts, d.last_status,"
                        + " d.last_error,"
                        + " m.occurred_at, d.dead_at FROM webhook_delivery d"
                        + " JOIN webhook_message m ON m.event_id = d.event_id"
                        + " JOIN webhook_endpoint e ON e.id = d.endpoint_id" + WHERE
                        + " ORDER BY d.dead_at NULLS LAST, d.id LIMIT ?")) {
            int i = bind(c, ps, filter);
            ps.setInt(i, limit);
            List<Entry> entries = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Object lastStatus = rs.getObject(10);
                    Timestamp dead = rs.getTimestamp(13);
                    entries.add(new Entry(
                            rs.getLong(1),
                            rs.getObject(2, UUID.class),
                            rs.getObject(3, UUID.class),
                            rs.getString(4),
                            rs.getString(5),
                            rs.getString(6),
                            rs.getString(7),
                            rs.getString(8),
                            rs.getInt(9),
                            lastStatus == null ? null : ((Number) lastStatus).intValue(),
                            rs.getString(11),
                            rs.getTimestamp(12).toInstant(),
                            dead == null ? null : dead.toInstant()));
                }
            }
            return entries;
        }
    }

    /** What a replay did. */
    public record Replay(long id, int deliveries) {}

    /**
     * Puts the selected deliveries back to pending, batch by batch; {@code progress} hears
     * (replayed so far, selected in all) after each batch.
     */
    public Replay replay(Filter filter, String requestedBy, String reason, BiConsumer<Integer, Integer> progress)
            throws SQLException {
        if (requestedBy == null || requestedBy.isBlank()) {
            throw new WebhookException("a replay needs to say who asked for it");
        }
        if (reason == null || reason.isBlank()) {
            throw new WebhookException("a replay needs a reason (it is stored with the replay)");
        }
        if (!filter.narrowed() && !filter.statuses().equals(List.of("DEAD"))) {
            throw new WebhookException(
                    "replaying every delivered webhook needs a narrower filter: an id, an endpoint, a type or a time");
        }
        long replayId;
        int total;
        try (Connection c = dataSource.getConnection()) {
            if (!filter.deliveryIds().isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement("SELECT x FROM unnest(?::bigint[]) AS x"
                        + " WHERE NOT EXISTS (SELECT 1 FROM webhook_delivery d WHERE d.id = x) ORDER BY x")) {
                    ps.setArray(
                            1, c.createArrayOf("bigint", filter.deliveryIds().toArray()));
                    List<Long> missing = new ArrayList<>();
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            missing.add(rs.getLong(1));
                        }
                    }
                    if (!missing.isEmpty()) {
                        throw new WebhookException(
                                "there is no webhook delivery " + missing + " (see dead-letters list for the ids)");
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO webhook_replay (requested_by, reason, filter)"
                    + " VALUES (?, ?, ?::jsonb) RETURNING id")) {
                ps.setString(1, requestedBy);
                ps.setString(2, reason);
                ps.setString(3, WebhookEndpoints.json(filter.asJson()));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    replayId = rs.getLong(1);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM webhook_delivery d"
                    + " JOIN webhook_message m ON m.event_id = d.event_id" + WHERE)) {
                bind(c, ps, filter);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    total = rs.getInt(1);
                }
            }
            int done = 0;
            try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_delivery SET status = 'PENDING',"
                    + " attempts = 0, next_attempt_at = now(), dead_at = NULL, delivered_at = NULL, last_error = NULL,"
                    + " replay_id = ? WHERE id IN (SELECT d.id FROM webhook_delivery d"
                    + " JOIN webhook_message m ON m.event_id = d.event_id" + WHERE
                    + " AND d.replay_id IS DISTINCT FROM ? ORDER BY d.id LIMIT ? FOR UPDATE OF d SKIP LOCKED)")) {
                while (true) {
                    ps.setLong(1, replayId);
                    int i = bind(c, ps, filter, 2);
                    ps.setLong(i++, replayId);
                    ps.setInt(i, BATCH);
                    int n = ps.executeUpdate();
                    if (n == 0) {
                        break;
                    }
                    done += n;
                    progress.accept(done, Math.max(done, total));
                }
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_replay SET deliveries = ? WHERE id = ?")) {
                ps.setInt(1, done);
                ps.setLong(2, replayId);
                ps.executeUpdate();
            }
            return new Replay(replayId, done);
        }
    }

    private static int bind(Connection c, PreparedStatement ps, Filter f) throws SQLException {
        return bind(c, ps, f, 1);
    }

    private static int bind(Connection c, PreparedStatement ps, Filter f, int start) throws SQLException {
        int i = start;
        ps.setArray(i++, c.createArrayOf("text", f.statuses().toArray()));
        java.sql.Array ids = c.createArrayOf("int8", f.deliveryIds().toArray());
        ps.setArray(i++, ids);
        ps.setArray(i++, ids);
        ps.setObject(i++, f.endpointId());
        ps.setObject(i++, f.endpointId());
        ps.setString(i++, f.eventType());
        ps.setString(i++, f.eventType());
        Timestamp from = f.from() == null ? null : Timestamp.from(f.from());
        Timestamp to = f.to() == null ? null : Timestamp.from(f.to());
        ps.setTimestamp(i++, from);
        ps.setTimestamp(i++, from);
        ps.setTimestamp(i++, to);
        ps.setTimestamp(i++, to);
        return i;
    }
}
