package dev.ledgerbox.publisher.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.publisher.spi.Statements;
import dev.ledgerbox.testing.EmbeddedDatabase;
import dev.ledgerbox.testing.SqlRows;
import java.sql.Connection;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Marking events delivered reaches them by id, however many delivered events the due index still
 * has entries for: statistics taken when few events were claimed, then 20,000 events delivered and
 * not vacuumed yet, as under load between two autovacuum runs.
 */
class OutboxStorePlanTest {

    private final DataSource db = EmbeddedDatabase.shared().dataSource();

    @BeforeEach
    void fill() throws Exception {
        new SqlRows(db).execute("TRUNCATE outbox_event, outbox_aggregate");
        try (Connection c = db.getConnection();
                Statement s = c.createStatement()) {
            s.execute("ALTER TABLE outbox_event SET (autovacuum_enabled = off)");
            s.execute("INSERT INTO outbox_event (id, aggregatetype, aggregateid, type, payload, aggregate_seq,"
                    + " occurred_at, status, claimed_by) SELECT gen_random_uuid(), 'order', g::text, 'order.created',"
                    + " '{}', 1, now(), 'CLAIMED', 'me' FROM generate_series(1, 20000) g");
            s.execute("UPDATE outbox_event SET status = 'DELIVERED', claimed_by = NULL WHERE aggregateid <> '20000'");
            s.execute("ANALYZE outbox_event");
        }
    }

    @AfterEach
    void reset() throws Exception {
        SqlRows sql = new SqlRows(db);
        sql.execute("ALTER TABLE outbox_event RESET (autovacuum_enabled)");
        sql.execute("TRUNCATE outbox_event, outbox_aggregate");
    }

    @Test
    void markingDeliveredFindsTheEventsByIdNotThroughTheDueIndex() throws Exception {
        SqlRows sql = new SqlRows(db);
        java.util.UUID[] ids = sql.query("SELECT id FROM outbox_event ORDER BY position DESC LIMIT 300").stream()
                .map(r -> java.util.UUID.fromString((String) r.get("id")))
                .toArray(java.util.UUID[]::new);
        String plan = sql.plan(OutboxStore.MARK_DELIVERED, ids, "me");
        assertThat(plan).contains("outbox_event_pkey").doesNotContain("outbox_event_due_idx");
    }

    @Test
    void theLagReadsTheHeadOfTheClaimIndexNotEveryWaitingEvent() throws Exception {
        new SqlRows(db)
                .execute("INSERT INTO outbox_event (id, aggregatetype, aggregateid, type, payload, aggregate_seq,"
                        + " occurred_at) SELECT gen_random_uuid(), 'order', 'w' || g, 'order.created', '{}', 1, now()"
                        + " FROM generate_series(1, 20000) g");
        new SqlRows(db).execute("ANALYZE outbox_event");
        String plan = new SqlRows(db).plan(OutboxStore.HEAD_AGE);
        assertThat(plan)
                .startsWith("Limit")
                .contains("Scan using outbox_event_due_idx")
                .doesNotContain("Aggregate")
                .doesNotContain("Seq Scan")
                .doesNotContain("Sort");
    }

    /**
     * The claim updates the events it picked by key, on a table of a few thousand rows too, where
     * joined to them the planner expected a whole batch and hashed a full scan of the table.
     */
    @Test
    void theClaimUpdatesThePickedEventsByKey() throws Exception {
        SqlRows sql = new SqlRows(db);
        sql.execute("TRUNCATE outbox_event, outbox_aggregate");
        sql.execute("INSERT INTO outbox_event (id, aggregatetype, aggregateid, type, payload, aggregate_seq,"
                + " occurred_at) SELECT gen_random_uuid(), 'order', 'c' || g, 'order.created', '{}', 1, now()"
                + " FROM generate_series(1, 5000) g");
        sql.execute("ANALYZE outbox_event");
        String plan = sql.plan(OutboxStore.CLAIM, 500, "me", 60_000L);
        assertThat(plan)
                .contains("outbox_event_pkey")
                .doesNotContain("Seq Scan")
                .doesNotContain("Hash Join");
    }
    /**
     * The claim's plan is kept ({@code Statements.planKept}), so it is made once, however few rows
     * the table holds then, and must reach every row through an index: made without the settings
     * that rule out whole-table scans, on a table analysed while it held three events, it scanned
     * the table once per candidate (minutes a claim on 100,000). Checked on such a table, and on a
     * table emptied after statistics that say every event was delivered; the same for the claim
     * of a local sink, which marks the events delivered.
     */
    @Test
    void theClaimsKeptPlanReachesEveryRowThroughAnIndexWhateverTheTableHeldWhenItWasMade() throws Exception {
        for (String claim : java.util.List.of(OutboxStore.CLAIM, OutboxStore.CLAIM_AS_DELIVERED)) {
            SqlRows sql = new SqlRows(db);
            String threeDue = "INSERT INTO outbox_event (id, aggregatetype, aggregateid, type, payload, aggregate_seq,"
                    + " occurred_at) SELECT gen_random_uuid(), 'order', 't' || g, 'order.created', '{}', 1, now()"
                    + " FROM generate_series(1, 3) g";
            sql.execute("TRUNCATE outbox_event, outbox_aggregate");
            sql.execute(threeDue);
            sql.execute("ANALYZE outbox_event");
            String tiny = sql.keptPlan(Statements.KEPT_PLAN_SETTINGS, claim);

            sql.execute("UPDATE outbox_event SET status = 'DELIVERED'");
            sql.execute("ANALYZE outbox_event");
            sql.execute("TRUNCATE outbox_event, outbox_aggregate");
            sql.execute(threeDue);
            String emptied = sql.keptPlan(Statements.KEPT_PLAN_SETTINGS, claim);

            String dueTiny = sql.keptPlan(Statements.KEPT_PLAN_SETTINGS, OutboxStore.HAS_DUE);
            assertThat(dueTiny)
                    .as("the look whether anything is due")
                    .contains("outbox_event_due_idx")
                    .doesNotContain("Seq Scan");
            for (String plan : java.util.List.of(tiny, emptied)) {
                assertThat(SqlRows.lookUpsOnly(plan))
                        .as(claim)
                        .contains("Index Scan using outbox_event_due_idx")
                        .contains("Index Scan using outbox_event_aggregate_seq_key")
                        .contains("outbox_event_pkey")
                        .doesNotContain("Seq Scan")
                        .doesNotContain("Sort");
            }
        }
    }
}
