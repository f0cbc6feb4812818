package dev.ledgerbox.audit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.annotation.Resource;
import jakarta.ejb.EJB;
import jakarta.ejb.EJBException;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.container.annotation.ArquillianTest;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The audit log in a real Open Liberty, with Hibernate as the JPA provider and PostgreSQL: rows
 * commit and roll back with the change, for EJBs and {@code @Transactional} CDI beans, and share
 * the transaction and correlation ids with the outbox event of the same transaction. Runs inside
 * the server.
 */
@ArquillianTest
class AuditInContainerIT {

    @Deployment
    static WebArchive deployment() {
        return Deployments.auditApp("audit-in-container", AuditInContainerIT.class);
    }

    @EJB
    AccountService ejb;

    @Inject
    CdiAccounts cdi;

    @Resource(lookup = "java:comp/DefaultDataSource")
    DataSource db;

    Rows rows;

    @BeforeEach
    void clear() throws Exception {
        rows = new Rows(db);
        rows.clear();
    }

    @Test
    void anEjbCommitWritesTheAuditRowLinkedToTheOutboxEventOfItsTransaction() throws Exception {
        long id = ejb.open("ada");

        List<Map<String, Object>> audit = rows.audit();
        List<Map<String, Object>> events = rows.events();
        assertThat(audit).hasSize(1);
        assertThat(events).hasSize(1);
        Map<String, Object> row = audit.get(0);
        Map<String, Object> event = events.get(0);
        assertThat(row)
                .containsEntry("operation", "INSERT")
                .containsEntry("entity_type", "Account")
                .containsEntry("entity_id", Long.toString(id))
                .containsEntry("diff", "{\"name\": {\"new\": \"ada\"}, \"role\": {\"new\": \"member\"}}")
                .containsEntry("actor_id", "batch")
                .containsEntry("actor_name", "Batch Job")
                .containsEntry("tenant_id", "tenant-1")
                .containsEntry("outbox_event_id", event.get("id"))
                .containsEntry("tx_id", event.get("tx_id"))
                .containsEntry("correlation_id", event.get("correlation_id"))
                .containsEntry("hash_matches", "true");
        assertThat((String) row.get("correlation_id")).isNotBlank();
    }

    @Test
    void anEjbRollbackLeavesNoAuditRow() throws Exception {
        assertThatThrownBy(() -> ejb.openThenCrash("bob")).isInstanceOf(EJBException.class);

        assertThat(rows.audit()).isEmpty();
        assertThat(rows.query("SELECT * FROM it_account")).isEmpty();
    }

    @Test
    void theActionOfTheMethodIsStoredWithChangesFlushedAtCommit() throws Exception {
        long id = ejb.open("carol");

        ejb.changeRole(id, "admin");

        Map<String, Object> update = rows.audit().get(1);
        assertThat(update)
                .containsEntry("operation", "UPDATE")
                .containsEntry("diff", "{\"role\": {\"new\": \"admin\", \"old\": \"member\"}}")
                .containsEntry("action", "account.role_changed")
                .containsEntry("reason", "quarterly review");
        assertThat(update.get("outbox_event_id")).isNull(); // no event in that transaction
    }

    @Test
    void aTransactionalCdiBeanIsAuditedAndRollsBackToo() throws Exception {
        long id = ejb.open("dan");

        cdi.rename(id, "daniel");
        assertThatThrownBy(() -> cdi.renameThenCrash(id, "danny")).isInstanceOf(IllegalStateException.class);

        List<Map<String, Object>> audit = rows.audit();
        assertThat(audit).hasSize(2);
        assertThat(audit.get(1))
                .containsEntry("diff", "{\"name\": {\"new\": \"daniel\", \"old\": \"dan\"}}")
                .containsEntry("action", "account.renamed");
    }

    @Test
    void aRequiresNewTransactionKeepsItsRowsWhenTheCallerRollsBack() throws Exception {
        assertThatThrownBy(() -> ejb.openTwoThenCrash("outer", "inner")).isInstanceOf(EJBException.class);

        List<Map<String, Object>> audit = rows.audit();
        assertThat(audit).hasSize(1);
        assertThat((String) audit.get(0).get("diff")).contains("inner");
        assertThat(rows.query("SELECT name FROM it_account")).containsExactly(Map.of("name", "inner"));
    }
}
