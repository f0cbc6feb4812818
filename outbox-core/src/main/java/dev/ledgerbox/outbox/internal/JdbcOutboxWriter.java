package dev.ledgerbox.outbox.internal;

import dev.ledgerbox.outbox.spi.SleepingPublishers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Inserts {@link EventRecord}s on a caller's connection, inside the caller's transaction.
 *
 * <p>One statement per event: it takes the aggregate's next sequence number (locking that
 * aggregate's counter row until commit, so sequence order is commit order) and inserts the event;
 * an {@link EventRecord#ordered() unordered} event skips the counter and has no number. While a
 * publisher sleeps ({@code outbox_listener}) the statement also notifies it on commit; a look that
 * found none asleep is trusted for {@link SleepingPublishers#WRITER_TRUSTS_A_LOOK_FOR}, and inserts
 * meanwhile do not read the table. Thread-safe.
 */
final class JdbcOutboxWriter {

    private static final String SEQUENCE =
            """
            seq AS (
                INSERT INTO outbox_aggregate AS a (aggregatetype, aggregateid, last_seq)
                VALUES (?, ?, 1)
                ON CONFLICT (aggregatetype, aggregateid) DO UPDATE SET last_seq = a.last_seq + 1
                RETURNING last_seq)""";

    private static final String WAKE =
            """
            wake AS (
                SELECT pg_notify('ledgerbox_outbox', '') FROM outbox_listener
                WHERE sleeping_since > now() - interval '2 minutes' LIMIT 1)""";

    /** The event's insert, its number ({@code %s}) from the counter or none. */
    private static final String EVENT =
            """
            INSERT INTO outbox_event (id, aggregatetype, aggregateid, type, payload, aggregate_seq,
                occurred_at, correlation_id, traceparent, tracestate, tenant_id, headers, schema_version)
            SELECT ?, ?, ?, ?, ?::jsonb, %s, ?, ?, ?, ?, ?, ?::jsonb, ?""";

    // The inserts that do not look for a sleeping publisher, and those that look, notify one that
    // sleeps, and say how many they found.
    private static final String INSERT = statement(true, false);
    private static final String INSERT_AND_WAKE = statement(true, true);
    private static final String UNORDERED_INSERT = statement(false, false);
    private static final String UNORDERED_INSERT_AND_WAKE = statement(false, true);

    private static String statement(boolean ordered, boolean wake) {
        List<String> ctes = new ArrayList<>();
        if (ordered) {
            ctes.add(SEQUENCE);
        }
        if (wake) {
            ctes.add(WAKE);
        }
        return (ctes.isEmpty() ? "" : "WITH " + String.join(",\n", ctes) + "\n")
                + EVENT.formatted(ordered ? "seq.last_seq" : "NULL")
                + (ordered ? " FROM seq" : "")
                + (wake ? "\nRETURNING (SELECT count(*) FROM wake)" : "");
    }

    private static final long TRUST_NANOS = SleepingPublishers.WRITER_TRUSTS_A_LOOK_FOR.toNanos();

    private final LongSupplier nanoTime;
    /**
     * Until when inserts need not look ({@link System#nanoTime} scale): a look that found none asleep
     * sets it ahead, timed from before that look was sent; one that found a sleeper sets it to then.
     * Any look's verdict is valid for its own time, so concurrent looks may overwrite each other.
     */
    private volatile long trustedUntil;

    /** @param nanoTime {@link System#nanoTime}, or a clock a test moves */
    JdbcOutboxWriter(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.trustedUntil = nanoTime.getAsLong();
    }

    public void insert(Connection connection, EventRecord event) throws SQLException {
        long now = nanoTime.getAsLong();
        boolean trusted = now - trustedUntil < 0;
        String sql = event.ordered()
                ? (trusted ? INSERT : INSERT_AND_WAKE)
                : (trusted ? UNORDERED_INSERT : UNORDERED_INSERT_AND_WAKE);
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            int i = 1;
            if (event.ordered()) {
                ps.setString(i++, event.aggregateType());
                ps.setString(i++, event.aggregateId());
            }
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
            if (trusted) {
                ps.executeUpdate();
                return;
            }
            try (ResultSet rs = ps.executeQuery()) {
                boolean noneAsleep = rs.next() && rs.getLong(1) == 0;
                trustedUntil = noneAsleep ? now + TRUST_NANOS : now;
            }
        }
    }
}
