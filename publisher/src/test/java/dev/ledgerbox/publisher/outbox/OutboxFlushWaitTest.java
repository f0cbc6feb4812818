package dev.ledgerbox.publisher.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.publisher.spi.ClaimedEvent;
import dev.ledgerbox.publisher.spi.Handoff;
import dev.ledgerbox.testing.EmbeddedDatabase;
import dev.ledgerbox.testing.SqlRows;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * On a durable server ({@code synchronous_commit} on), the publisher's claim and its mark that
 * events were delivered commit without waiting for the WAL flush, and nothing else does: a trigger
 * records the setting each change of an outbox row ran under.
 */
class OutboxFlushWaitTest {

    private static EmbeddedDatabase db;
    private static SqlRows sql;

    @BeforeAll
    static void durableServer() throws Exception {
        db = EmbeddedDatabase.startWith(true, 0, Map.of()).migrate("outbox");
        sql = new SqlRows(db.dataSource());
        sql.execute("CREATE TABLE seen (change text, commit_setting text)");
        sql.execute("CREATE FUNCTION record_setting() RETURNS trigger LANGUAGE plpgsql AS $$"
                + " BEGIN INSERT INTO seen VALUES (TG_OP || CASE WHEN NEW.status = 'DELIVERED' THEN ' delivered'"
                + " ELSE '' END, current_setting('synchronous_commit')); RETURN NEW; END $$");
        sql.execute("CREATE TRIGGER record_setting AFTER INSERT OR UPDATE ON outbox_event"
                + " FOR EACH ROW EXECUTE FUNCTION record_setting()");
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @Test
    void theClaimAndTheDeliveredMarkDoNotWaitForTheFlushAndTheWriteDoes() throws Exception {
        sql.execute("SELECT ledgerbox_emit('order', '1', 'order.created', '{}'::jsonb)");
        sql.execute("SELECT ledgerbox_emit('order', '2', 'order.created', '{}'::jsonb)");
        OutboxStore store = new OutboxStore(db.dataSource());

        List<ClaimedEvent> claimed = store.claim("me", 10, Duration.ofMinutes(1));
        assertThat(claimed).hasSize(2);
        assertThat(store.delivered("me", claimed.subList(0, 1), Handoff.NONE)).isEqualTo(1);
        assertThat(store.delivered("me", List.of(claimed.get(1).id()))).isEqualTo(1);

        assertThat(sql.query("SELECT change, commit_setting FROM seen"))
                .extracting(row -> row.get("change") + " " + row.get("commit_setting"))
                .containsExactlyInAnyOrder(
                        "INSERT on", // the business write waits, as the server says
                        "INSERT on",
                        "UPDATE off", // the claim
                        "UPDATE off",
                        "UPDATE delivered off",
                        "UPDATE delivered off");
        assertThat(sql.query("SHOW synchronous_commit").get(0).get("synchronous_commit"))
                .as("the setting was the transactions' own")
                .isEqualTo("on");
    }
}
