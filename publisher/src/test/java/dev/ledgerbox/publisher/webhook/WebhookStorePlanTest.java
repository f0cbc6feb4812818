package dev.ledgerbox.publisher.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.publisher.spi.Statements;
import dev.ledgerbox.testing.SqlRows;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The deliveries' outcomes reach their rows by id, however many settled deliveries the due and
 * open indexes still have entries for: statistics taken when few deliveries were claimed, then
 * 20,000 deliveries settled and not vacuumed yet, as under load between two autovacuum runs.
 */
class WebhookStorePlanTest {

    @BeforeEach
    void fill() throws Exception {
        Webhooks.clear();
        try (Connection c = Webhooks.db().getConnection();
                Statement s = c.createStatement()) {
            s.execute("ALTER TABLE webhook_delivery SET (autovacuum_enabled = off)");
            s.execute("SET session_replication_role = replica"); // rows without their event and endpoint
            s.execute("INSERT INTO webhook_delivery (event_id, endpoint_id, aggregatetype, aggregateid, aggregate_seq,"
                    + " status, claimed_by) SELECT gen_random_uuid(), gen_random_uuid(), 'order', g::text, 1,"
                    + " 'CLAIMED', 'me' FROM generate_series(1, 20000) g");
            s.execute("UPDATE webhook_delivery SET status = 'DELIVERED', claimed_by = NULL"
                    + " WHERE aggregateid <> '20000'");
            s.execute("RESET session_replication_role");
            s.execute("ANALYZE webhook_delivery");
        }
    }

    @AfterEach
    void reset() throws Exception {
        Webhooks.sql().execute("ALTER TABLE webhook_delivery RESET (autovacuum_enabled)");
        Webhooks.clear();
    }

    /**
     * The plan the outcomes' update keeps (the statement runs with {@link Statements#planKept}),
     * made on 20,000 deliveries of which all but one are settled: each row of the batch is looked
     * up by its id, never reached through the status indexes nor found by walking the table for
     * the rows this owner holds.
     */
    @Test
    void theOutcomesUpdateFindsItsRowsByIdNotThroughTheStatusIndexes() throws Exception {
        String plan = Webhooks.sql().keptPlan(Statements.KEPT_PLAN_SETTINGS, WebhookStore.RECORD);
        assertThat(SqlRows.lookUpsOnly(plan))
                .contains("webhook_delivery_pkey")
                .contains("Index Cond: (id = ANY (ARRAY[r.delivery_id]))")
                .doesNotContain("webhook_delivery_due")
                .doesNotContain("webhook_delivery_open");
    }

    /**
     * The claim reaches the rows it picked, and their messages, by key however many deliveries are
     * due: the planner cannot know each endpoint's room and guesses a tenth of the due rows, which
     * joined to both tables made full scans of them. One endpoint has them all (the planner's
     * guess per endpoint is the table over the endpoints it knows).
     */
    @Test
    void theClaimFindsThePickedRowsAndTheirMessagesByKey() throws Exception {
        java.util.UUID endpoint = dueDeliveries(30_000);

        assertThat(claimPlan(endpoint, 64))
                .contains("webhook_delivery_due")
                .contains("webhook_delivery_pkey")
                .contains("webhook_message_pkey")
                .doesNotContain("Seq Scan");
    }

    /**
     * On tables of a few thousand rows the claim's update and its messages were hashed full scans:
     * the planner expects the whole room (here 128) and the statistics still count the rows that
     * were due when they were taken (every one), while only three are. Every claim at a few
     * hundred events a second paid for it. Now both reach their rows by key.
     */
    @Test
    void aClaimOnTablesOfAFewThousandRowsFindsItsRowsByKey() throws Exception {
        java.util.UUID endpoint = dueDeliveries(12_000);
        Webhooks.sql()
                .execute("UPDATE webhook_delivery SET status = 'DELIVERED'"
                        + " WHERE id NOT IN (SELECT id FROM webhook_delivery ORDER BY id DESC LIMIT 3)");

        assertThat(claimPlan(endpoint, 128))
                .contains("webhook_delivery_pkey")
                .contains("webhook_message_pkey")
                .doesNotContain("Seq Scan")
                .doesNotContain("Hash Join");
    }

    /**
     * After a burst into tables emptied when every delivery was finished, before autovacuum's next
     * {@code ANALYZE}, the claim still checks each candidate's order in {@code
     * webhook_delivery_open}. The statistics say no delivery is open, so both partial indexes look
     * empty, and the planner took the smaller one, {@code webhook_delivery_due}, which finds the
     * endpoint's open deliveries but not the aggregate's: every candidate read the whole backlog
     * (225 ms a claim of 64 at 30,000 due, against under a millisecond).
     */
    @Test
    void aClaimAfterABurstIntoEmptiedTablesChecksOrderInTheOpenIndex() throws Exception {
        java.util.UUID drained = dueDeliveries(20_000);
        Webhooks.sql().execute("UPDATE webhook_delivery SET status = 'DELIVERED'");
        Webhooks.sql().execute("ANALYZE webhook_delivery");
        Webhooks.sql().execute("TRUNCATE webhook_attempt, webhook_delivery, webhook_message");
        insertDue(drained, 30_000);

        String plan = claimPlan(drained, 64);
        assertThat(plan)
                .contains("Index Scan using webhook_delivery_due on webhook_delivery d")
                .contains("Scan using webhook_delivery_open on webhook_delivery p")
                .doesNotContain("Seq Scan");
    }

    /**
     * The claim's plan is kept ({@code Statements.planKept}), so it is made once, however few rows
     * the tables hold then, and must reach every row through an index: made without the settings
     * that rule out whole-table scans, on tables analysed while they held three deliveries, it
     * scanned the table once per candidate (56 s a claim of 64 on 30,000). Checked on such tables,
     * and on tables emptied after statistics that say every delivery was finished.
     */
    @Test
    void theClaimsKeptPlanReachesEveryRowThroughAnIndexWhateverTheTablesHeldWhenItWasMade() throws Exception {
        java.util.UUID endpoint = dueDeliveries(3);
        String tiny = Webhooks.sql().keptPlan(Statements.KEPT_PLAN_SETTINGS, WebhookStore.CLAIM);

        Webhooks.sql().execute("UPDATE webhook_delivery SET status = 'DELIVERED'");
        Webhooks.sql().execute("ANALYZE webhook_delivery");
        Webhooks.sql().execute("TRUNCATE webhook_attempt, webhook_delivery, webhook_message");
        insertDue(endpoint, 3);
        String emptied = Webhooks.sql().keptPlan(Statements.KEPT_PLAN_SETTINGS, WebhookStore.CLAIM);

        for (String plan : java.util.List.of(tiny, emptied)) {
            assertThat(SqlRows.lookUpsOnly(plan))
                    .contains("Index Scan using webhook_delivery_due on webhook_delivery d")
                    .contains("Scan using webhook_delivery_open on webhook_delivery p")
                    .contains("webhook_delivery_pkey")
                    .contains("Index Scan using webhook_message_pkey")
                    .doesNotContain("Seq Scan")
                    .doesNotContain("Sort");
        }
    }

    /**
     * The statements that write a batch's attempts and outcomes keep their plans too: made on
     * tables analysed while they held three rows, and on freshly emptied ones, each reaches its
     * rows by key (a join to the batch's ids by a scan of the table would read the whole backlog
     * at every batch, until the next {@code ANALYZE}), each row once: the batch's values are not
     * read again for every row found.
     */
    @Test
    void theOutcomesKeptPlansReachTheirRowsByKeyWhateverTheTablesHeldWhenTheyWereMade() throws Exception {
        java.util.UUID endpoint = dueDeliveries(3);
        Webhooks.sql()
                .execute("INSERT INTO webhook_attempt (delivery_id, event_id, endpoint_id, attempt, request_url,"
                        + " request_headers, request_body_sha256, request_bytes, requested_at)"
                        + " SELECT id, event_id, endpoint_id, 1, 'http://x', '{}', repeat('0', 64), 1, now()"
                        + " FROM webhook_delivery");
        Webhooks.sql().execute("ANALYZE webhook_attempt");
        java.util.List<String> plans = new java.util.ArrayList<>();
        plans.add(Webhooks.sql().keptPlan(Statements.KEPT_PLAN_SETTINGS, WebhookStore.RECORD));
        Webhooks.sql().execute("TRUNCATE webhook_attempt, webhook_delivery, webhook_message");
        insertDue(endpoint, 3);
        plans.add(Webhooks.sql().keptPlan(Statements.KEPT_PLAN_SETTINGS, WebhookStore.RECORD));

        for (String plan : plans) {
            assertThat(SqlRows.lookUpsOnly(plan))
                    .contains("webhook_delivery_pkey")
                    .contains("webhook_attempt_pkey")
                    // one look-up per row of the batch, not the batch read again for each row found
                    .contains("Index Cond: (id = ANY (ARRAY[r.delivery_id]))")
                    .containsPattern("Index Cond: \\(id = ANY \\(ARRAY\\[r(_1)?\\.attempt_id]\\)\\)")
                    .doesNotContain("Join Filter")
                    .doesNotContain("Seq Scan")
                    .doesNotContain("Hash")
                    .doesNotContain("Sort")
                    .doesNotContain("webhook_delivery_due")
                    .doesNotContain("webhook_delivery_open");
        }
        assertThat(Webhooks.sql().keptPlan(Statements.KEPT_PLAN_SETTINGS, WebhookStore.INSERT_ATTEMPTS))
                .as("the attempts' insert reads no table")
                .doesNotContain("Scan on webhook");
    }

    /**
     * The routing keeps its plan too: made on tables analysed while they held three rows, and on
     * freshly emptied ones, it reads the endpoints only (every event meets every enabled endpoint's
     * filter); the messages and deliveries are only inserted, however many they hold later.
     */
    @Test
    void theRoutingsKeptPlanReadsTheEndpointsAndNothingItWrites() throws Exception {
        dueDeliveries(3);
        Webhooks.sql()
                .execute("INSERT INTO webhook_endpoint (id, url, event_types)"
                        + " VALUES (gen_random_uuid(), 'http://x', '{order.*}')");
        Webhooks.sql().execute("ANALYZE webhook_endpoint");
        String tiny = Webhooks.sql().keptPlan(Statements.KEPT_PLAN_SETTINGS, WebhookStore.ROUTE);
        Webhooks.sql().execute("TRUNCATE webhook_attempt, webhook_delivery, webhook_message");
        String emptied = Webhooks.sql().keptPlan(Statements.KEPT_PLAN_SETTINGS, WebhookStore.ROUTE);

        for (String plan : java.util.List.of(tiny, emptied)) {
            assertThat(plan)
                    .contains("Insert on webhook_message")
                    .contains("Insert on webhook_delivery")
                    .contains("on webhook_endpoint ep")
                    .doesNotContainPattern("Scan (using \\S+ )?on webhook_(message|delivery)");
        }
    }

    /** {@code n} due deliveries to a new endpoint, each of its own aggregate, and statistics taken. */
    private static java.util.UUID dueDeliveries(int n) throws Exception {
        Webhooks.clear();
        java.util.UUID endpoint = java.util.UUID.randomUUID();
        insertDue(endpoint, n);
        Webhooks.sql().execute("ANALYZE webhook_delivery");
        Webhooks.sql().execute("ANALYZE webhook_message");
        return endpoint;
    }

    /** {@code n} due deliveries to {@code endpoint}, each of its own aggregate, and their messages. */
    private static void insertDue(java.util.UUID endpoint, int n) throws Exception {
        try (Connection c = Webhooks.db().getConnection();
                Statement s = c.createStatement()) {
            s.execute("SET session_replication_role = replica");
            s.execute(
                    "WITH m AS (INSERT INTO webhook_message (event_id, type, aggregatetype, aggregateid, aggregate_seq,"
                            + " body, occurred_at) SELECT gen_random_uuid(), 'order.created', 'order', 'o-' || g, 1, '{}', now()"
                            + " FROM generate_series(1, " + n + ") g RETURNING event_id, aggregateid)"
                            + " INSERT INTO webhook_delivery (event_id, endpoint_id, aggregatetype, aggregateid, aggregate_seq,"
                            + " next_attempt_at) SELECT event_id, '" + endpoint + "', 'order', aggregateid, 1,"
                            + " now() - interval '1 minute' FROM m");
            s.execute("RESET session_replication_role");
        }
    }

    /** The claim's plan for one endpoint with {@code room} as given. */
    private static String claimPlan(java.util.UUID endpoint, int room) throws Exception {
        java.sql.Timestamp now = java.sql.Timestamp.from(java.time.Instant.now());
        return Webhooks.sql()
                .plan(
                        WebhookStore.CLAIM,
                        new java.util.UUID[] {endpoint},
                        new Integer[] {room},
                        new Long[] {60_000L},
                        now,
                        now,
                        "me",
                        now);
    }
}
