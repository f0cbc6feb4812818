package dev.ledgerbox.publisher.webhook;

import static org.assertj.core.api.Assertions.assertThat;

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

    @Test
    void theOutcomesUpdateFindsItsRowsByIdNotThroughTheStatusIndexes() throws Exception {
        long first = Long.parseLong((String) Webhooks.sql()
                .query("SELECT min(id) AS id FROM webhook_delivery")
                .get(0)
                .get("id"));
        Long[] ids = new Long[300];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = first + 19_700 + i;
        }
        String[] none = new String[ids.length];
        String plan =
                Webhooks.sql().plan(WebhookStore.RECORD_DELIVERIES, ids, none, none, none, none, none, none, ids, "me");
        assertThat(plan)
                .contains("webhook_delivery_pkey")
                .doesNotContain("webhook_delivery_due")
                .doesNotContain("webhook_delivery_open");
    }
}
