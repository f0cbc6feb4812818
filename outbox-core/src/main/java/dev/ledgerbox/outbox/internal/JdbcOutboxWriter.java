package dev.ledgerbox.outbox.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Inserts {@link EventRecord}s on a caller's connection, inside the caller's transaction.
 *
 * <p>One statement per event: it takes the aggregate's next sequence number (locking that
 * aggregate's counter row until commit, so sequence order is commit order), inserts the event,
 * and, only while a publisher sleeps ({@code outbox_listener}), notifies it on commit.
 * Thread-safe (stateless).
 */
final class JdbcOutboxWriter {

    static final String INSERT =
            """
            WITH seq AS (
                INSERT INTO outbox_aggregate AS a (aggregatetype, aggregateid, last_seq)
                VALUES (?, ?, 1)
                ON CONFLICT (aggregatetype, aggregateid) DO UPDATE SET last_seq = a.last_seq + 1
                RETURNING last_seq),
            wake AS (
                SELECT pg_notify('ledgerbox_outbox', '') FROM outbox_listener
                WHERE sleeping_since > now() - interval '2 minutes' LIMIT 1)
            INSERT INTO outbox_event (id, aggregatetype, aggregateid, type, payload, aggregate_seq,
                occurred_at, correlation_id, traceparent, tracestate, tenant_id, headers, schema_version)
            SELECT ?, ?, ?, ?, ?::jsonb, seq.last_seq, ?, ?, ?, ?, ?, ?::jsonb, ?
            FROM seq WHERE (SELECT count(*) FROM wake) >= 0
            """;

    public void insert(Connection connection, EventRecord event) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(INSERT)) {
            int i = 1;
            ps.setString(i++, event.aggregateType());
            ps.setString(i++, event.aggregateId());
            ps.setObject(i++, event.id());
            ps.setString(i++, event.aggregateType());
            ps.setString(i++, event.aggregateId());
            ps.setString(i++, event.type());
            ps.setString(i++, event.payloadJson());
            ps.setObject(i++, OffsetDateTime.ofInstant(event.occurredAt(), ZoneOffset.UTC));
            ps.setString(i++, event.correlationId());
            ps.setString(i++, event.traceparent());
            ps.setString(i++, event.tracestate());
            ps.setString(i++, event.tenantId());
            ps.setString(i++, event.headersJson());
            ps.setInt(i, event.schemaVersion());
            ps.executeUpdate();
        }
    }
}
