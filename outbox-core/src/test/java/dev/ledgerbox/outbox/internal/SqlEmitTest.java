package dev.ledgerbox.outbox.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ledgerbox.outbox.OutboxEvent;
import dev.ledgerbox.outbox.spi.TraceContext;
import dev.ledgerbox.testing.EmbeddedDatabase;
import dev.ledgerbox.testing.SqlRows;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/** ledgerbox_emit: events from other programs, in the aggregate's commit order, waking the publisher. */
class SqlEmitTest {

    final DataSource db = EmbeddedDatabase.shared().dataSource();
    final SqlRows sql = new SqlRows(db);

    @BeforeEach
    void empty() throws SQLException {
        sql.execute("TRUNCATE outbox_event, outbox_aggregate, outbox_listener");
    }

    @Test
    void eventsFromSqlAndFromJavaShareTheAggregatesOrder() throws Exception {
        sql.execute("SELECT ledgerbox_emit('order', '42', 'order.imported', '{\"id\": 42}'::jsonb, 'migration-7')");
        try (JsonbPayloadSerializer json = new JsonbPayloadSerializer();
                Connection c = db.getConnection()) {
            new OutboxWriter(json, OutboxSettings.defaults(), Clock.systemUTC())
                    .write(
                            c,
                            OutboxEvent.of("order", "42", "order.paid", Map.of("id", 42)),
                            "req-1",
                            TraceContext.NONE,
                            () -> "test");
        }
        sql.execute("SELECT ledgerbox_emit('order', '42', 'order.shipped', '{\"id\": 42}'::jsonb)");

        assertThat(sql.query("SELECT type, aggregate_seq, correlation_id, status, payload::text AS payload"
                        + " FROM outbox_event ORDER BY aggregate_seq"))
                .extracting(r -> r.get("aggregate_seq") + " " + r.get("type") + " " + r.get("correlation_id") + " "
                        + r.get("status"))
                .containsExactly(
                        "1 order.imported migration-7 PENDING",
                        "2 order.paid req-1 PENDING",
                        "3 order.shipped null PENDING");
    }

    @Test
    void anEventEmittedUnorderedHasNoNumberAndLeavesTheCounterAlone() throws SQLException {
        sql.execute("SELECT ledgerbox_emit('order', '42', 'order.paid', '{}'::jsonb)");
        sql.execute("SELECT ledgerbox_emit('order', '42', 'order.viewed', '{}'::jsonb, p_ordered => false)");
        sql.execute("SELECT ledgerbox_emit('order', '42', 'order.shipped', '{}'::jsonb)");

        assertThat(sql.query("SELECT type, aggregate_seq FROM outbox_event ORDER BY position"))
                .extracting(r -> r.get("type") + " " + r.get("aggregate_seq"))
                .containsExactly("order.paid 1", "order.viewed null", "order.shipped 2");
        assertThat(sql.query("SELECT last_seq FROM outbox_aggregate"))
                .extracting(r -> r.get("last_seq"))
                .containsExactly("2");
    }

    @Test
    void aSleepingPublisherIsWokenAtCommit() throws Exception {
        sql.execute("INSERT INTO outbox_listener (instance_id, sleeping_since) VALUES ('publisher-1', now())");
        try (Connection listener = db.getConnection();
                Statement s = listener.createStatement()) {
            s.execute("LISTEN ledgerbox_outbox");
            sql.execute("SELECT ledgerbox_emit('order', '7', 'order.created', '{}'::jsonb)");

            PGNotification[] notes = listener.unwrap(PGConnection.class).getNotifications(5000);
            assertThat(notes).isNotNull().isNotEmpty();
            assertThat(notes[0].getName()).isEqualTo("ledgerbox_outbox");
        }
    }

    @Test
    void badArgumentsAreRefusedByName() throws SQLException {
        assertThatThrownBy(() -> sql.execute("SELECT ledgerbox_emit('order', '', 'order.created', '{}'::jsonb)"))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("ledgerbox_emit: the aggregate id of order must not be empty");
        assertThatThrownBy(() -> sql.execute("SELECT ledgerbox_emit('order', '1', 'order.created', NULL)"))
                .hasMessageContaining("the payload of order.created for order/1 must not be null");
        assertThatThrownBy(() -> sql.execute(
                        "SELECT ledgerbox_emit('order', '1', 'order.created', '{}'::jsonb, p_ordered => NULL)"))
                .hasMessageContaining("p_ordered of order.created for order/1 must be true or false, not null");
        assertThat(sql.query("SELECT count(*) AS n FROM outbox_event"))
                .extracting(r -> r.get("n"))
                .containsExactly("0");
    }
}
