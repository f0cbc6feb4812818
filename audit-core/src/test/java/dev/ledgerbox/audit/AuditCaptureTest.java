package dev.ledgerbox.audit;

import static dev.ledgerbox.audit.Hibernate.fromTransaction;
import static dev.ledgerbox.audit.Hibernate.inTransaction;
import static dev.ledgerbox.audit.Hibernate.query;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ledgerbox.audit.fixtures.Address;
import dev.ledgerbox.audit.fixtures.Member;
import dev.ledgerbox.audit.fixtures.ShopOrder;
import dev.ledgerbox.audit.fixtures.ShopOrder.Status;
import dev.ledgerbox.outbox.Correlation;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.hibernate.SessionFactory;
import org.hibernate.cfg.AvailableSettings;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What lands in audit_log for inserts, updates, deletes and collection changes. */
class AuditCaptureTest {

    @BeforeEach
    void empty() {
        Hibernate.factory();
        Hibernate.resetAuditLog();
    }

    private static List<Map<String, Object>> auditRows() {
        return query("SELECT operation, entity_type, entity_id, diff::text AS diff, action, reason, actor_id,"
                + " actor_name, actor_email, tenant_id, correlation_id, client_ip::text AS client_ip, user_agent"
                + " FROM audit_log ORDER BY id");
    }

    private static Map<String, Object> diffOf(Map<String, Object> row) {
        return Json.parse((String) row.get("diff"));
    }

    private static Long newOrder() {
        return fromTransaction(s -> {
            Member owner = new Member("Ada");
            s.persist(owner);
            ShopOrder order = new ShopOrder("ada", new BigDecimal("19.90"));
            order.setShipTo(new Address("1 Main St", "Springfield"));
            order.setOwner(owner);
            order.setCardNumber("4111111111111111");
            order.setEmail("ada@example.com");
            order.setInternalNote("never audited");
            order.getTags().add("gift");
            s.persist(order);
            return order.getId();
        });
    }

    @Test
    void anInsertRecordsEveryNonNullAttributeAsNew() {
        Long id = newOrder();

        List<Map<String, Object>> rows = auditRows();
        assertThat(rows).hasSize(1);
        Map<String, Object> row = rows.get(0);
        assertThat(row)
                .containsEntry("operation", "INSERT")
                .containsEntry("entity_type", "Order")
                .containsEntry("entity_id", id.toString());
        Map<String, Object> diff = diffOf(row);
        assertThat(diff)
                .containsEntry("status", Map.of("new", "NEW"))
                .containsEntry("customer", Map.of("new", "ada"))
                .containsEntry("total", Map.of("new", new BigDecimal("19.90")))
                .containsEntry("placedAt", Map.of("new", "2026-11-24T10:00:00Z"))
                .containsEntry("express", Map.of("new", false))
                .containsEntry("shipTo.city", Map.of("new", "Springfield"))
                .containsEntry("shipTo.street", Map.of("new", "1 Main St"))
                .containsEntry("cardNumber", Map.of("new", "***"))
                .containsEntry("tags", Map.of("added", List.of("gift"), "removed", List.of()));
        assertThat(diff.get("owner")).isInstanceOf(Map.class);
        assertThat(((Map<?, ?>) diff.get("owner")).get("new")).isInstanceOf(BigDecimal.class);
        assertThat(diff).doesNotContainKeys("version", "internalNote", "notes", "id");
        assertThat(diff.get("email")).isEqualTo(Map.of("new", hmac("ada@example.com")));
    }

    @Test
    void anUpdateRecordsOnlyTheChangedAttributesWithOldAndNew() {
        Long id = newOrder();
        Hibernate.resetAuditLog();

        inTransaction(s -> {
            ShopOrder order = s.find(ShopOrder.class, id);
            order.setStatus(Status.PAID);
            order.setTotal(new BigDecimal("21.00"));
            order.setShipTo(new Address("1 Main St", "Shelbyville"));
        });

        List<Map<String, Object>> rows = auditRows();
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0)).containsEntry("operation", "UPDATE");
        assertThat(diffOf(rows.get(0)))
                .containsOnlyKeys("status", "total", "shipTo.city")
                .containsEntry("status", Map.of("old", "NEW", "new", "PAID"))
                .containsEntry("total", Map.of("old", new BigDecimal("19.90"), "new", new BigDecimal("21.00")))
                .containsEntry("shipTo.city", Map.of("old", "Springfield", "new", "Shelbyville"));
    }

    @Test
    void nullsAreRecordedOnUpdateAndMaskedValuesNeverReachTheTable() {
        Long id = newOrder();
        inTransaction(s -> {
            ShopOrder order = s.find(ShopOrder.class, id);
            order.setCardNumber("5500000000000004");
            order.setEmail(null);
            order.setNotes("call first");
        });

        Map<String, Object> diff = diffOf(auditRows().get(1));
        assertThat(diff)
                .containsEntry("cardNumber", Map.of("old", "***", "new", "***"))
                .containsEntry("notes", Map.of("old", Json.NULL, "new", "call first"));
        assertThat(((Map<?, ?>) diff.get("email")).get("new")).isEqualTo(Json.NULL);
        String everything = query("SELECT string_agg(a::text, ' ') AS t FROM audit_log a")
                .get(0)
                .get("t")
                .toString();
        assertThat(everything)
                .doesNotContain("4111111111111111", "5500000000000004", "ada@example.com", "never audited");
    }

    @Test
    void anUpdateOfIgnoredAttributesOnlyLeavesNoRow() {
        Long id = newOrder();
        Hibernate.resetAuditLog();

        inTransaction(s -> s.find(ShopOrder.class, id).setInternalNote("changed"));

        assertThat(auditRows()).isEmpty();
        assertThat(query("SELECT internalnote FROM test_order WHERE id = ?", id).get(0))
                .containsEntry("internalnote", "changed");
    }

    @Test
    void aDeleteRecordsTheOldValues() {
        Long id = newOrder();
        Hibernate.resetAuditLog();

        inTransaction(s -> s.remove(s.find(ShopOrder.class, id)));

        List<Map<String, Object>> rows = auditRows();
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0)).containsEntry("operation", "DELETE").containsEntry("entity_id", id.toString());
        Map<String, Object> diff = diffOf(rows.get(0));
        assertThat(diff).containsEntry("status", Map.of("old", "NEW")).containsEntry("customer", Map.of("old", "ada"));
        assertThat(diff).doesNotContainKey("notes"); // null before the delete
    }

    @Test
    void collectionChangesAreMergedIntoTheOwnersRow() {
        Long id = newOrder();
        Hibernate.resetAuditLog();

        inTransaction(s -> {
            ShopOrder order = s.find(ShopOrder.class, id);
            order.getTags().remove("gift");
            order.getTags().add("priority");
            order.getTags().add("fragile");
            order.setStatus(Status.CANCELLED);
        });

        List<Map<String, Object>> rows = auditRows();
        assertThat(rows).hasSize(1);
        Map<String, Object> diff = diffOf(rows.get(0));
        assertThat(diff).containsEntry("status", Map.of("old", "NEW", "new", "CANCELLED"));
        @SuppressWarnings("unchecked")
        Map<String, List<Object>> tags = (Map<String, List<Object>>) diff.get("tags");
        assertThat(tags.get("added")).containsExactlyInAnyOrder("priority", "fragile");
        assertThat(tags.get("removed")).containsExactly("gift");
    }

    @Test
    void entityCollectionsRecordTheIdsAddedAndRemoved() {
        Long id = newOrder();
        Long[] members = fromTransaction(s -> {
            Member grace = new Member("Grace");
            Member alan = new Member("Alan");
            s.persist(grace);
            s.persist(alan);
            s.find(ShopOrder.class, id).getWatchers().add(grace);
            return new Long[] {grace.getId(), alan.getId()};
        });
        Hibernate.resetAuditLog();

        inTransaction(s -> {
            ShopOrder order = s.find(ShopOrder.class, id);
            order.getWatchers().removeIf(m -> m.getId().equals(members[0]));
            order.getWatchers().add(s.getReference(Member.class, members[1])); // a proxy: not loaded
        });

        List<Map<String, Object>> rows = auditRows();
        assertThat(rows).hasSize(1);
        assertThat(diffOf(rows.get(0)))
                .containsEntry(
                        "watchers",
                        Map.of(
                                "added", List.of(new BigDecimal(members[1])),
                                "removed", List.of(new BigDecimal(members[0]))));
    }

    @Test
    void aCollectionChangeAloneMakesAnUpdateRow() {
        Long id = newOrder();
        Hibernate.resetAuditLog();

        inTransaction(s -> s.find(ShopOrder.class, id).getTags().add("second"));

        List<Map<String, Object>> rows = auditRows();
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0)).containsEntry("operation", "UPDATE");
        assertThat(diffOf(rows.get(0))).containsOnlyKeys("tags");
    }

    @Test
    void aRolledBackTransactionLeavesNoRows() {
        assertThatThrownBy(() -> inTransaction(s -> {
                    s.persist(new ShopOrder("bob", BigDecimal.ONE));
                    s.flush();
                    throw new IllegalStateException("business rule broken");
                }))
                .hasMessage("business rule broken");

        assertThat(auditRows()).isEmpty();
        assertThat(query("SELECT count(*) AS n FROM test_order WHERE customer = 'bob'")
                        .get(0))
                .containsEntry("n", "0");
    }

    @Test
    void unauditedEntitiesLeaveNoRows() {
        inTransaction(s -> s.persist(new Member("Grace")));

        assertThat(auditRows()).isEmpty();
    }

    @Test
    void theThreadsContextIsStoredWithEveryRow() {
        AuditContext context = AuditContext.current()
                .withActor(new AuditActor("u-7", "Ada Lovelace", "ada@example.com", "acme"))
                .withAction("order.placed")
                .withReason("customer phoned")
                .withClient("203.0.113.9", "curl/8.5");
        try (var scope = context.open();
                var correlation = Correlation.open("req-42")) {
            newOrder();
        }

        Map<String, Object> row = auditRows().get(0);
        assertThat(row)
                .containsEntry("actor_id", "u-7")
                .containsEntry("actor_name", "Ada Lovelace")
                .containsEntry("actor_email", "ada@example.com")
                .containsEntry("tenant_id", "acme")
                .containsEntry("action", "order.placed")
                .containsEntry("reason", "customer phoned")
                .containsEntry("correlation_id", "req-42")
                .containsEntry("client_ip", "203.0.113.9/32")
                .containsEntry("user_agent", "curl/8.5");
    }

    @Test
    void withoutAContextTheContextColumnsAreNull() {
        newOrder();

        Map<String, Object> row = auditRows().get(0);
        assertThat(row.get("actor_id")).isNull();
        assertThat(row.get("action")).isNull();
        assertThat(row.get("correlation_id")).isNull();
        assertThat(row.get("client_ip")).isNull();
    }

    @Test
    void auditingAddsOneInsertAndNoSelectToTheTransaction() {
        Long id = newOrder();
        RecordingDataSource recording = new RecordingDataSource(Hibernate.db());
        try (SessionFactory factory = Hibernate.build(
                Map.of("audit.hash-key", Hibernate.HASH_KEY, AvailableSettings.JAKARTA_HBM2DDL_DATABASE_ACTION, "none"),
                recording.dataSource)) {
            recording.statements.clear();
            factory.inTransaction(s -> {
                ShopOrder order = s.find(ShopOrder.class, id);
                order.setStatus(Status.PAID);
                order.getTags().add("late"); // loads the tags: the business code reads them
            });
        }

        assertThat(recording.statements).hasSize(5);
        assertThat(recording.statements.get(0)).startsWith("select").contains("test_order");
        assertThat(recording.statements.get(1)).startsWith("select").contains("test_order_tag");
        assertThat(recording.statements.get(2)).startsWith("update test_order");
        assertThat(recording.statements.get(3)).startsWith("insert into test_order_tag");
        assertThat(recording.statements.get(4)).startsWith("INSERT INTO audit_log");
    }

    @Test
    void theAuditLogIsAppendOnly() {
        newOrder();

        for (String sql :
                List.of("UPDATE audit_log SET actor_id = 'mallory'", "DELETE FROM audit_log", "TRUNCATE audit_log")) {
            assertThatThrownBy(() -> Hibernate.execute(sql)).as(sql).hasMessageContaining("audit_log is append-only");
        }
        assertThat(auditRows()).hasSize(1);
    }

    static String hmac(String value) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Hibernate.HASH_KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "hmac-sha256:" + HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
