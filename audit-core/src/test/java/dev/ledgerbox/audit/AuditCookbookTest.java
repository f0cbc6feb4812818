package dev.ledgerbox.audit;

import static dev.ledgerbox.audit.Hibernate.inTransaction;
import static dev.ledgerbox.audit.Hibernate.query;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.audit.fixtures.Ticket;
import dev.ledgerbox.outbox.Correlation;
import dev.ledgerbox.outbox.OutboxEvent;
import dev.ledgerbox.outbox.internal.JsonbPayloadSerializer;
import dev.ledgerbox.outbox.internal.OutboxSettings;
import dev.ledgerbox.outbox.internal.OutboxWriter;
import dev.ledgerbox.outbox.spi.TraceContext;
import dev.ledgerbox.testing.SqlRows;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Runs every query of docs/audit.md's cookbook against data written through Hibernate. */
class AuditCookbookTest {

    static final Path DOC = Path.of("../docs/audit.md");

    static List<String> cookbook;

    @BeforeAll
    static void writeTheStory() throws Exception {
        Hibernate.factory();
        Hibernate.resetAuditLog();
        Hibernate.execute("DELETE FROM test_ticket; TRUNCATE outbox_event, outbox_aggregate");
        AuditContext ada = AuditContext.current()
                .withActor(new AuditActor("u-ada", "Ada Lovelace", "ada@example.com", null))
                .withAction("ticket.opened");
        try (JsonbPayloadSerializer serializer = new JsonbPayloadSerializer();
                var scope = ada.open();
                var correlation = Correlation.open("req-cookbook-1")) {
            OutboxWriter outbox = new OutboxWriter(serializer, OutboxSettings.defaults(), Clock.systemUTC());
            inTransaction(s -> {
                Ticket ticket = new Ticket("T-1001", "Printer on fire");
                s.persist(ticket);
                s.doWork(c -> outbox.write(
                        c,
                        OutboxEvent.of("ticket", ticket.getId(), "ticket.opened", Map.of("title", "Printer on fire")),
                        "req-cookbook-1",
                        TraceContext.NONE,
                        () -> "cookbook"));
            });
        }
        try (var scope = ada.withAction("ticket.paid").open()) {
            inTransaction(s -> s.find(Ticket.class, "T-1001").setStatus("PAID"));
        }
        new AuditSealer(Hibernate.db()).sealAll();
        inTransaction(s -> s.persist(new Ticket("T-1002", "not sealed yet")));
        cookbook = cookbookQueries();
    }

    static List<String> cookbookQueries() throws IOException {
        String doc = Files.readString(DOC);
        String section = doc.substring(doc.indexOf("## Cookbook"));
        Matcher blocks = Pattern.compile("```sql\\n(.*?)```", Pattern.DOTALL).matcher(section);
        List<String> queries = new ArrayList<>();
        while (blocks.find()) {
            queries.add(blocks.group(1).strip());
        }
        return queries;
    }

    private static List<Map<String, Object>> run(int index) {
        return query(cookbook.get(index));
    }

    @Test
    void theCookbookHasItsQueriesAndEachAnswers() {
        assertThat(cookbook).hasSize(9);
        for (int i = 0; i < cookbook.size(); i++) {
            assertThat(run(i)).as(cookbook.get(i)).isNotEmpty();
        }
    }

    @Test
    void historyOfAnEntity() {
        List<Map<String, Object>> history = run(0);
        assertThat(history).extracting(r -> r.get("operation")).containsExactly("UPDATE", "INSERT");
        assertThat(history).extracting(r -> r.get("action")).containsExactly("ticket.paid", "ticket.opened");
    }

    @Test
    void fieldHistoryAndWhoSetAValue() {
        assertThat(run(1))
                .extracting(r -> r.get("old_value") + "->" + r.get("new_value"))
                .containsExactly("null->\"NEW\"", "\"NEW\"->\"PAID\"");
        assertThat(run(2)).singleElement().satisfies(r -> assertThat(r)
                .containsEntry("entity_id", "T-1001")
                .containsEntry("actor_id", "u-ada")
                .containsEntry("actor_name", "Ada Lovelace"));
        assertThat(run(3)).extracting(r -> r.get("entity_id")).containsExactly("T-1001");
    }

    @Test
    void activityOfAnActor() {
        assertThat(run(4)).hasSize(2);
        assertThat(run(5)).anySatisfy(r -> assertThat(r).containsEntry("actor_id", "u-ada"));
    }

    @Test
    void aRequestAndATransactionAcrossAuditAndOutbox() {
        assertThat(run(6))
                .extracting(r -> r.get("kind"))
                .containsExactlyInAnyOrder("audit", "event"); // the payment came in another request
        assertThat(run(7)).singleElement().satisfies(r -> assertThat(r)
                .containsEntry("entity_id", "T-1001")
                .containsEntry("operation", "INSERT")
                .containsEntry("event_type", "ticket.opened"));
    }

    /**
     * ANALYZE gathers no statistics on the diff and the row hash (audit schema 8: for a jsonb
     * column it sorted its whole sample with jsonb's comparison, the better part of every
     * autoanalyze of the table), and keeps those of the keys the queries above filter on; the
     * queries on the diff still answer.
     */
    @Test
    void analyzeLeavesOutTheDiffAndTheRowHashAndKeepsTheKeys() throws Exception {
        assertThat(new SqlRows(Hibernate.db()).analyzedColumns("audit_log"))
                .contains("entity_type", "entity_id", "id", "occurred_at", "tx_id", "actor_id", "correlation_id")
                .doesNotContain("diff", "row_hash");
        assertThat(run(1)).hasSize(2);
    }

    @Test
    void unsealedChanges() {
        assertThat(run(8)).singleElement().satisfies(r -> assertThat(r).containsEntry("unsealed", "1"));
    }
}
