package dev.ledgerbox.outbox.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ledgerbox.outbox.InvalidEventException;
import dev.ledgerbox.outbox.OutboxEvent;
import dev.ledgerbox.outbox.spi.SleepingPublishers;
import dev.ledgerbox.outbox.spi.TraceContext;
import dev.ledgerbox.testing.EmbeddedDatabase;
import dev.ledgerbox.testing.SqlRows;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/** The writer against a real PostgreSQL with the shipped migration applied. */
public class OutboxWriterTest {

    static final Instant NOW = Instant.parse("2026-11-24T10:15:30.123Z");
    static DataSource db;
    static JsonbPayloadSerializer serializer;
    static OutboxWriter writer;

    @BeforeAll
    static void start() {
        db = EmbeddedDatabase.shared().dataSource();
        serializer = new JsonbPayloadSerializer();
        writer = new OutboxWriter(serializer, OutboxSettings.defaults(), Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @AfterAll
    static void stop() throws Exception {
        serializer.close();
    }

    @BeforeEach
    void empty() throws SQLException {
        execute("TRUNCATE outbox_event, outbox_aggregate");
    }

    public record Order(long id, String status, int total) {}

    @Test
    void writesAnEventRowWithTheDebeziumColumnsAndItsContext() throws SQLException {
        UUID id;
        try (Connection c = db.getConnection()) {
            id = writer.write(
                    c,
                    OutboxEvent.builder("order", 42L, "order.created")
                            .payload(new Order(42, "NEW", 1999))
                            .tenant("acme")
                            .header("source", "web")
                            .schemaVersion(3)
                            .build(),
                    "req-1",
                    new TraceContext("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "vendor=x"),
                    () -> "test");
        }

        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT * FROM outbox_event WHERE id = ?")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString("aggregatetype")).isEqualTo("order");
                assertThat(rs.getString("aggregateid")).isEqualTo("42");
                assertThat(rs.getString("type")).isEqualTo("order.created");
                assertThat(rs.getString("payload")).isEqualTo("{\"id\": 42, \"total\": 1999, \"status\": \"NEW\"}");
                assertThat(rs.getLong("aggregate_seq")).isEqualTo(1);
                assertThat(rs.getObject("occurred_at", OffsetDateTime.class).toInstant())
                        .isEqualTo(NOW);
                assertThat(rs.getString("correlation_id")).isEqualTo("req-1");
                assertThat(rs.getString("traceparent"))
                        .isEqualTo("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
                assertThat(rs.getString("tracestate")).isEqualTo("vendor=x");
                assertThat(rs.getString("tenant_id")).isEqualTo("acme");
                assertThat(rs.getString("headers")).isEqualTo("{\"source\": \"web\"}");
                assertThat(rs.getInt("schema_version")).isEqualTo(3);
                assertThat(rs.getString("status")).isEqualTo("PENDING");
                assertThat(rs.getInt("attempts")).isZero();
            }
        }
        assertThat(id.version()).isEqualTo(7);
    }

    /** The status is checked by a domain, whose constraint is prepared once per session. */
    @Test
    void aStatusThePublisherDoesNotKnowIsRefusedNamingTheDomain() throws SQLException {
        try (Connection c = db.getConnection()) {
            writer.write(c, event("order", "1"), null, TraceContext.NONE, () -> "test");
        }

        assertThatThrownBy(() -> execute("UPDATE outbox_event SET status = 'SENT'"))
                .hasMessageContaining("ledgerbox_outbox_status_check");
        execute("UPDATE outbox_event SET status = 'DELIVERED'");

        SqlRows sql = new SqlRows(db);
        assertThat(sql.query("SELECT status FROM outbox_event")).containsExactly(Map.of("status", "DELIVERED"));
        assertThat(sql.constraint("outbox_event_status_check")).contains("::ledgerbox_outbox_status IS NOT NULL");
    }

    /**
     * ANALYZE leaves out the payload and the headers (outbox schema 8: sorting a sample of jsonb
     * payloads was over half of every autoanalyze of the outbox) and keeps the keys the publisher's
     * plans rest on.
     */
    @Test
    void analyzeLeavesOutThePayloadAndTheHeadersAndKeepsTheKeys() throws SQLException {
        try (Connection c = db.getConnection()) {
            writer.write(c, event("order", "1"), null, TraceContext.NONE, () -> "test");
        }

        assertThat(new SqlRows(db).analyzedColumns("outbox_event"))
                .contains(
                        "id", "aggregatetype", "aggregateid", "aggregate_seq", "position", "status", "next_attempt_at")
                .doesNotContain("payload", "headers");
    }

    @Test
    void numbersEventsPerAggregateInOrder() throws SQLException {
        try (Connection c = db.getConnection()) {
            for (int i = 0; i < 3; i++) {
                writer.write(c, event("order", "1"), null, TraceContext.NONE, () -> "test");
                writer.write(c, event("order", "2"), null, TraceContext.NONE, () -> "test");
            }
            writer.write(c, event("invoice", "1"), null, TraceContext.NONE, () -> "test");
        }
        assertThat(sequences("order", "1")).containsExactly(1L, 2L, 3L);
        assertThat(sequences("order", "2")).containsExactly(1L, 2L, 3L);
        assertThat(sequences("invoice", "1")).containsExactly(1L);
    }

    /**
     * An unordered event has no number and leaves the aggregate's counter alone: numbered events
     * around it go on 1, 2, and an aggregate written only unordered has no counter row.
     */
    @Test
    void anUnorderedEventHasNoNumberAndLeavesTheCounterAlone() throws SQLException {
        assertThat(writeAndCommit("order", "3")).isEqualTo(1L);
        assertThat(writeAndCommit(writer, unordered("order", "3"))).isNull();
        assertThat(writeAndCommit("order", "3")).isEqualTo(2L);
        assertThat(writeAndCommit(writer, unordered("order", "4"))).isNull();
        assertThat(writeAndCommit(writer, unordered("order", "4"))).isNull();

        assertThat(sequences("order", "3")).containsExactly(1L, null, 2L);
        assertThat(sequences("order", "4")).containsExactly(null, null);
        assertThat(counter("order", "3")).isEqualTo(2L);
        assertThat(counter("order", "4")).as("no counter row").isNull();
    }

    @Test
    void rolledBackEventsLeaveNoRowAndNoGap() throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            writer.write(c, event("order", "7"), null, TraceContext.NONE, () -> "test");
            c.rollback();
            writer.write(c, event("order", "7"), null, TraceContext.NONE, () -> "test");
            c.commit();
        }
        assertThat(sequences("order", "7")).containsExactly(1L);
    }

    /**
     * A second writer of the same aggregate waits for the first to end, so its sequence number
     * follows the first one's commit (or reuses it after a rollback): sequence order is commit
     * order. Writers of other aggregates do not wait.
     */
    @Test
    void writersOfOneAggregateAreOrderedByCommit() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (Connection first = db.getConnection()) {
            first.setAutoCommit(false);
            writer.write(first, event("order", "9"), null, TraceContext.NONE, () -> "first");

            Future<Long> other = pool.submit(() -> writeAndCommit("order", "10"));
            assertThat(other.get(10, TimeUnit.SECONDS)).isEqualTo(1L);

            Future<Long> second = pool.submit(() -> writeAndCommit("order", "9"));
            Thread.sleep(300);
            assertThat(second).as("the second writer waits for the first").isNotDone();

            first.rollback();
            assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo(1L);

            writer.write(first, event("order", "9"), null, TraceContext.NONE, () -> "first");
            Future<Long> third = pool.submit(() -> writeAndCommit("order", "9"));
            Thread.sleep(300);
            assertThat(third).isNotDone();
            first.commit();
            assertThat(third.get(10, TimeUnit.SECONDS)).isEqualTo(3L);
        } finally {
            pool.shutdownNow();
        }
        assertThat(sequences("order", "9")).containsExactly(1L, 2L, 3L);
    }

    @Test
    void concurrentWritersOfOneAggregateGetAGapFreeSequence() throws Exception {
        int threads = 8;
        int perThread = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            futures.add(pool.submit(() -> {
                for (int i = 0; i < perThread; i++) {
                    writeAndCommit("order", "hot");
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        List<Long> seqs = sequences("order", "hot");
        assertThat(seqs).hasSize(threads * perThread);
        for (int i = 0; i < seqs.size(); i++) {
            assertThat(seqs.get(i)).isEqualTo(i + 1L);
        }
    }

    /**
     * Deleting an aggregate's events (the publisher's purge, an operator by hand) never makes its
     * numbers start again: a consumer that remembers the last number it saw must not drop the next.
     */
    @Test
    void numbersContinueAfterTheAggregatesEventsAreDeleted() throws SQLException {
        for (int i = 0; i < 3; i++) {
            writeAndCommit("order", "5");
        }
        execute("DELETE FROM outbox_event WHERE aggregateid = '5' AND aggregate_seq < 3");
        assertThat(writeAndCommit("order", "5")).isEqualTo(4L);
        execute("DELETE FROM outbox_event WHERE aggregateid = '5'");
        assertThat(writeAndCommit("order", "5")).isEqualTo(5L);
        execute("DELETE FROM outbox_event WHERE aggregateid = '5'");
        execute("SELECT ledgerbox_emit('order', '5', 'order.changed', '{}')");
        assertThat(sequences("order", "5")).containsExactly(6L);
        assertThat(writeAndCommit("order", "6"))
                .as("other aggregates start at 1")
                .isEqualTo(1L);
    }

    /**
     * A busy writer does not read {@code outbox_listener} in every insert: a look that found no
     * publisher asleep is trusted for a moment (the publisher looks for due work again once that
     * moment is over); a look that found one is not trusted, so every commit wakes it until it wakes.
     */
    @Test
    void aLookThatFoundNoSleepingPublisherIsTrustedForAMomentOnly() throws Exception {
        AtomicLong nanos = new AtomicLong();
        OutboxWriter timed =
                new OutboxWriter(serializer, OutboxSettings.defaults(), Clock.fixed(NOW, ZoneOffset.UTC), nanos::get);
        execute("DELETE FROM outbox_listener");
        try (Connection listen = db.getConnection();
                Statement s = listen.createStatement()) {
            s.execute("LISTEN ledgerbox_outbox");
            PGConnection pg = listen.unwrap(PGConnection.class);

            writeAndCommit(timed, event("order", "1"));
            execute("INSERT INTO outbox_listener (instance_id, sleeping_since) VALUES ('publisher-1', now())");
            nanos.addAndGet(SleepingPublishers.WRITER_TRUSTS_A_LOOK_FOR.toNanos() - 1);
            writeAndCommit(timed, event("order", "2"));
            assertThat(pg.getNotifications(300))
                    .as("within the moment: the earlier look is trusted, no NOTIFY")
                    .isNullOrEmpty();

            nanos.addAndGet(1);
            writeAndCommit(timed, event("order", "3"));
            assertThat(pg.getNotifications(5000))
                    .as("the moment is over: a look, a NOTIFY")
                    .isNotEmpty();
            writeAndCommit(timed, event("order", "4"));
            assertThat(pg.getNotifications(5000))
                    .as("a look that found a sleeper is not trusted")
                    .isNotEmpty();
            writeAndCommit(timed, unordered("order", "4"));
            assertThat(pg.getNotifications(5000))
                    .as("an unordered event looks and wakes alike")
                    .isNotEmpty();

            execute("DELETE FROM outbox_listener");
            writeAndCommit(timed, event("order", "5"));
            assertThat(pg.getNotifications(300)).as("no one sleeps").isNullOrEmpty();
        }
        assertThat(sequences("order", "1")).containsExactly(1L);
        assertThat(sequences("order", "5")).containsExactly(1L);
    }

    @Test
    void anInvalidEventWritesNothing() throws SQLException {
        try (Connection c = db.getConnection()) {
            assertThatThrownBy(() -> writer.write(
                            c,
                            OutboxEvent.of("order", " ", "order.created", Map.of()),
                            null,
                            TraceContext.NONE,
                            () -> "Shop.place"))
                    .isInstanceOf(InvalidEventException.class)
                    .hasMessage("Shop.place: outbox event 'order.created' has a blank aggregate id");
        }
        try (Connection c = db.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM outbox_event")) {
            rs.next();
            assertThat(rs.getLong(1)).isZero();
        }
    }

    private Long writeAndCommit(String aggregateType, String aggregateId) throws SQLException {
        return writeAndCommit(writer, event(aggregateType, aggregateId));
    }

    /**
     * Writes one event with {@code w} in a transaction of its own; returns its sequence number
     * (null when it has none).
     */
    private static Long writeAndCommit(OutboxWriter w, OutboxEvent event) throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            UUID id = w.write(c, event, null, TraceContext.NONE, () -> "test");
            c.commit();
            try (PreparedStatement ps = c.prepareStatement("SELECT aggregate_seq FROM outbox_event WHERE id = ?")) {
                ps.setObject(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getObject(1, Long.class);
                }
            }
        }
    }

    private static OutboxEvent event(String aggregateType, String aggregateId) {
        return OutboxEvent.of(aggregateType, aggregateId, aggregateType + ".changed", Map.of("id", aggregateId));
    }

    private static OutboxEvent unordered(String aggregateType, String aggregateId) {
        return OutboxEvent.builder(aggregateType, aggregateId, aggregateType + ".viewed")
                .payload(Map.of("id", aggregateId))
                .unordered()
                .build();
    }

    private static Long counter(String aggregateType, String aggregateId) throws SQLException {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT last_seq FROM outbox_aggregate WHERE aggregatetype = ? AND aggregateid = ?")) {
            ps.setString(1, aggregateType);
            ps.setString(2, aggregateId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    private static void execute(String sql) throws SQLException {
        try (Connection c = db.getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static List<Long> sequences(String aggregateType, String aggregateId) throws SQLException {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT aggregate_seq FROM outbox_event"
                        + " WHERE aggregatetype = ? AND aggregateid = ? ORDER BY position")) {
            ps.setString(1, aggregateType);
            ps.setString(2, aggregateId);
            List<Long> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getObject(1, Long.class));
                }
            }
            return out;
        }
    }
}
