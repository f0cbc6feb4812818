package dev.ledgerbox.inbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.testing.EmbeddedDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The outcomes' update reaches its rows by id, however many processed messages the due index
 * still has entries for: statistics taken when few messages were in progress, then 20,000
 * captures processed and not vacuumed yet, as under load between two autovacuum runs.
 */
class InboxStorePlanTest {

    @BeforeEach
    void fill() throws Exception {
        Inboxes.clear();
        try (Connection c = Inboxes.db().getConnection();
                Statement s = c.createStatement()) {
            s.execute("ALTER TABLE inbox_message SET (autovacuum_enabled = off)");
            s.execute("INSERT INTO inbox_message (source, idempotency_key, key_origin, status, body, body_sha256,"
                    + " body_bytes, claimed_by, next_attempt_at) SELECT 'payments', 'k' || g, 'header:webhook-id',"
                    + " 'PROCESSING', '\\x00', repeat('0', 64), 1, 'me', now() FROM generate_series(1, 20000) g");
            s.execute("UPDATE inbox_message SET status = 'PROCESSED', claimed_by = NULL, next_attempt_at = 'infinity'"
                    + " WHERE idempotency_key <> 'k20000'");
            s.execute("ANALYZE inbox_message");
        }
    }

    @AfterEach
    void reset() throws Exception {
        Inboxes.sql().execute("ALTER TABLE inbox_message RESET (autovacuum_enabled)");
        Inboxes.clear();
    }

    @Test
    void theOutcomesUpdateFindsItsRowsByIdNotThroughTheDueIndex() throws Exception {
        Long[] ids = new Long[300];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 19_701L + i;
        }
        String[] none = new String[ids.length];
        String plan = Inboxes.sql()
                .plan(InboxStore.FINISH, ids, none, none, none, none, none, none, none, none, none, ids, "me");
        assertThat(plan).contains("inbox_message_pkey").doesNotContain("inbox_message_due");
    }

    @Test
    void aCaptureCarryingOutcomesReachesThemByIdInItsPreparedPlanToo() throws Exception {
        // prepared once per connection, the statement runs on a generic plan: no ids to count
        StringBuilder sql = new StringBuilder();
        int n = 0;
        for (char ch : InboxStore.insertHoldingSql(true).toCharArray()) {
            sql.append(ch == '?' ? "$" + ++n : String.valueOf(ch));
        }
        Properties simple = new Properties(); // sent as it is: the server plans it without values
        simple.setProperty("preferQueryMode", "simple");
        EmbeddedDatabase db = EmbeddedDatabase.shared();
        List<String> lines = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), withUser(simple, db));
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("EXPLAIN (GENERIC_PLAN) " + sql)) {
            while (rs.next()) {
                lines.add(rs.getString(1));
            }
        }
        String plan = String.join("\n", lines);
        assertThat(plan).contains("inbox_message_pkey").doesNotContain("inbox_message_due");
    }

    private static Properties withUser(Properties p, EmbeddedDatabase db) {
        p.setProperty("user", db.user());
        p.setProperty("password", db.password());
        return p;
    }
}
