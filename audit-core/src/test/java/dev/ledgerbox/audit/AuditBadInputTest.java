package dev.ledgerbox.audit;

import static dev.ledgerbox.audit.Hibernate.execute;
import static dev.ledgerbox.audit.Hibernate.inTransaction;
import static dev.ledgerbox.audit.Hibernate.query;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ledgerbox.audit.fixtures.Badge;
import dev.ledgerbox.audit.fixtures.Gadget;
import dev.ledgerbox.audit.fixtures.OpaqueKey;
import dev.ledgerbox.audit.fixtures.ShopOrder;
import dev.ledgerbox.testing.SqlRows;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.util.Map;
import org.hibernate.cfg.AvailableSettings;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Changes that cannot be audited fail their transaction with a message naming what and why. */
class AuditBadInputTest {

    @BeforeEach
    void empty() {
        Hibernate.factory();
        Hibernate.resetAuditLog();
    }

    private static String count(String table) {
        return query("SELECT count(*) AS n FROM " + table).get(0).get("n").toString();
    }

    @Test
    void anIdThatCannotBeRenderedFailsTheTransaction() {
        String before = count("test_badge");

        assertThatThrownBy(() -> inTransaction(s -> s.persist(new Badge(new OpaqueKey("k-1"), "gold"))))
                .isInstanceOf(AuditException.class)
                .hasMessageContaining("the id of dev.ledgerbox.audit.fixtures.Badge")
                .hasMessageContaining(OpaqueKey.class.getName())
                .hasMessageContaining("toString()");

        assertThat(count("test_badge")).isEqualTo(before);
        assertThat(count("audit_log")).isEqualTo("0");
    }

    @Test
    void aValueThatCannotBeWrittenAsJsonFailsTheTransactionNamingEntityAndAttribute() {
        String before = count("test_gadget");

        assertThatThrownBy(() -> inTransaction(s -> s.persist(new Gadget(new Gadget.Sealed("s3cr3t"), "x"))))
                .isInstanceOf(AuditException.class)
                .hasMessageContaining("Gadget.secret")
                .hasMessageContaining(Gadget.Sealed.class.getName())
                .hasMessageContaining("@AuditIgnore")
                .hasMessageNotContaining("s3cr3t");

        assertThat(count("test_gadget")).isEqualTo(before);
        assertThat(count("audit_log")).isEqualTo("0");
    }

    @Test
    void anOversizedDiffFailsTheTransactionNamingTheLargestAttribute() {
        String before = count("test_order");
        ShopOrder order = new ShopOrder("big", BigDecimal.TEN);
        order.setNotes("x".repeat(5000)); // the test factory allows 4096 bytes of diff

        assertThatThrownBy(() -> inTransaction(s -> s.persist(order)))
                .isInstanceOf(AuditException.class)
                .hasMessageContaining("the audit diff of Order")
                .hasMessageContaining("'notes'")
                .hasMessageContaining("audit.max-diff-bytes");

        assertThat(count("test_order")).isEqualTo(before);
        assertThat(count("audit_log")).isEqualTo("0");
    }

    @Test
    void anOperationOtherThanInsertUpdateOrDeleteIsRefusedByTheDatabaseNamingTheDomain() throws SQLException {
        String insert = "INSERT INTO audit_log (occurred_at, entity_type, entity_id, operation, diff)"
                + " VALUES (now(), 'Order', '1', '%s', '{}')";

        assertThatThrownBy(() -> execute(insert.formatted("UPSERT")))
                .hasMessageContaining("ledgerbox_audit_operation")
                .hasMessageContaining("ledgerbox_audit_operation_check");
        execute(insert.formatted("DELETE"));

        assertThat(count("audit_log")).isEqualTo("1");
        // the table's check casts to the domain, whose constraint is prepared once per session
        assertThat(new SqlRows(Hibernate.db()).constraint("audit_log_operation_check"))
                .contains("::ledgerbox_audit_operation IS NOT NULL");
    }

    @Test
    void hashedAttributesWithoutAKeyStopTheSessionFactoryFromStarting() {
        assertThatThrownBy(() -> Hibernate.build(Map.of(AvailableSettings.JAKARTA_HBM2DDL_DATABASE_ACTION, "none")))
                .hasStackTraceContaining("@AuditHashed")
                .hasStackTraceContaining("audit.hash-key is not set");
    }

    @Test
    void badSettingsAreNamed() {
        assertThatThrownBy(() -> Hibernate.build(
                        Map.of("audit.hash-key", "short", AvailableSettings.JAKARTA_HBM2DDL_DATABASE_ACTION, "none")))
                .hasStackTraceContaining("audit.hash-key is 5 characters long");
        assertThatThrownBy(() -> Hibernate.build(Map.of(
                        "audit.hash-key",
                        Hibernate.HASH_KEY,
                        "audit.max-diff-bytes",
                        "lots",
                        AvailableSettings.JAKARTA_HBM2DDL_DATABASE_ACTION,
                        "none")))
                .hasStackTraceContaining("audit.max-diff-bytes is 'lots'");
    }
}
