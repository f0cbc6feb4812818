package dev.ledgerbox.audit;

import static dev.ledgerbox.audit.Hibernate.execute;
import static dev.ledgerbox.audit.Hibernate.query;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The optional capture trigger records changes that Hibernate's listeners never see. */
class CaptureTriggerTest {

    @BeforeEach
    void table() {
        Hibernate.factory();
        Hibernate.resetAuditLog();
        execute("DROP TABLE IF EXISTS bulk_item; CREATE TABLE bulk_item (id bigint PRIMARY KEY, name text,"
                + " price numeric(10,2), version int, secret text);"
                + " CREATE TRIGGER bulk_item_audit AFTER INSERT OR UPDATE OR DELETE ON bulk_item FOR EACH ROW"
                + " EXECUTE FUNCTION ledgerbox_audit_capture('Item', 'id', 'version', 'secret')");
    }

    private static List<Map<String, Object>> rows() {
        return query("SELECT operation, entity_type, entity_id, diff::text AS diff, actor_id, action"
                + " FROM audit_log ORDER BY id");
    }

    @Test
    void recordsInsertsBulkUpdatesAndDeletesWithTheirContext() {
        execute("INSERT INTO bulk_item VALUES (1, 'pen', 1.50, 1, 'x'), (2, 'ink', 9.00, 1, 'y')");
        execute("BEGIN; SET LOCAL ledgerbox.actor_id = 'ops-script'; SET LOCAL ledgerbox.action = 'prices.raised';"
                + " UPDATE bulk_item SET price = price * 2, version = version + 1, secret = 'z'; COMMIT");
        execute("UPDATE bulk_item SET secret = 'only a left-out column'");
        execute("DELETE FROM bulk_item WHERE id = 2");

        List<Map<String, Object>> rows = rows();
        assertThat(rows).hasSize(5);
        assertThat(rows.get(0))
                .containsEntry("operation", "INSERT")
                .containsEntry("entity_type", "Item")
                .containsEntry("entity_id", "1")
                .containsEntry("diff", "{\"name\": {\"new\": \"pen\"}, \"price\": {\"new\": 1.50}}");
        assertThat(rows.get(2))
                .containsEntry("operation", "UPDATE")
                .containsEntry("diff", "{\"price\": {\"new\": 3.00, \"old\": 1.50}}")
                .containsEntry("actor_id", "ops-script")
                .containsEntry("action", "prices.raised");
        assertThat(rows.get(4))
                .containsEntry("operation", "DELETE")
                .containsEntry("entity_id", "2")
                .containsEntry("diff", "{\"name\": {\"old\": \"ink\"}, \"price\": {\"old\": 18.00}}");
        assertThat(rows.get(4).get("actor_id")).isNull();
    }
}
