package dev.ledgerbox.audit;

import static dev.ledgerbox.audit.Hibernate.execute;
import static dev.ledgerbox.audit.Hibernate.inTransaction;
import static dev.ledgerbox.audit.Hibernate.query;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import dev.ledgerbox.audit.AuditVerification.Anchor;
import dev.ledgerbox.audit.fixtures.ShopOrder;
import dev.ledgerbox.testing.DocSql;
import java.io.IOException;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tampering with the audit log directly in the database, as its owner with the append-only
 * triggers switched off, and checking that the verifier finds every kind.
 */
class TamperEvidenceTest {

    AuditSealer sealer = new AuditSealer(Hibernate.db());
    AuditVerifier verifier = new AuditVerifier(Hibernate.db());

    @BeforeEach
    void tenRowsInTwoChainsSealed() throws SQLException {
        Hibernate.factory();
        Hibernate.resetAuditLog();
        for (int i = 0; i < 10; i++) {
            if (i == 4) {
                assertThat(sealer.sealAll()).isEqualTo(4); // two seals per chain: rows 1-2, rows 3-5
            }
            String tenant = i % 2 == 0 ? "acme" : null;
            AuditActor actor = new AuditActor("user-" + i, null, null, tenant);
            try (var scope = AuditContext.current().withActor(actor).open()) {
                inTransaction(s -> s.persist(new ShopOrder("c", BigDecimal.ONE)));
            }
        }
        assertThat(sealer.sealAll()).isEqualTo(6);
        assertThat(verifier.verify().intact()).isTrue();
    }

    /** Runs SQL as the table owner with the append-only triggers off, as an intruder with DBA rights would. */
    private static void tamper(String sql) {
        execute("ALTER TABLE audit_log DISABLE TRIGGER USER; ALTER TABLE audit_seal DISABLE TRIGGER USER; " + sql
                + "; ALTER TABLE audit_log ENABLE TRIGGER USER; ALTER TABLE audit_seal ENABLE TRIGGER USER");
    }

    /** The n-th row (1-based) of a chain. */
    private static long auditId(String chain, int n) {
        return Long.parseLong(query(
                        "SELECT u.id FROM audit_seal s, unnest(s.audit_ids) WITH ORDINALITY AS u(id, ord)"
                                + " WHERE s.chain_key = ? ORDER BY s.seq, u.ord OFFSET ? LIMIT 1",
                        chain,
                        (long) n - 1)
                .get(0)
                .get("id")
                .toString());
    }

    @Test
    void anIntactLogVerifiesAndReportsItsHeads() throws SQLException {
        AuditVerification result = verifier.verify();

        assertThat(result.intact()).isTrue();
        assertThat(result.rowsChecked()).isEqualTo(10);
        assertThat(result.heads()).containsOnlyKeys("acme", "");
        assertThat(result.heads().get("acme").seq()).isEqualTo(2);
        assertThat(query("SELECT cardinality(audit_ids) AS n FROM audit_seal WHERE chain_key = 'acme' ORDER BY seq"))
                .extracting(r -> r.get("n"))
                .containsExactly("2", "3");
        assertThat(result.toString()).contains("intact");
    }

    @Test
    void aBatchOfMoreRowsThanASealListsIsSealedInSeveralSealsOfItsChain() throws SQLException {
        execute("INSERT INTO audit_log (occurred_at, entity_type, entity_id, operation, diff)"
                + " SELECT now(), 'ShopOrder', 'bulk-' || g, 'INSERT', jsonb_build_object('n', jsonb_build_object('new', g))"
                + " FROM generate_series(1, 2500) g");

        assertThat(sealer.sealAll()).isEqualTo(2500);

        assertThat(query("SELECT seq, cardinality(audit_ids) AS n FROM audit_seal WHERE chain_key = '' ORDER BY seq"))
                .extracting(r -> r.get("n"))
                .containsExactly("2", "3", "1000", "1000", "500");
        AuditVerification result = verifier.verify();
        assertThat(result.intact()).isTrue();
        assertThat(result.rowsChecked()).isEqualTo(2510);
        assertThat(result.heads().get("").seq()).isEqualTo(5);

        tamper("UPDATE audit_log SET diff = '{\"n\": {\"new\": 0}}' WHERE entity_id = 'bulk-1500'");
        assertThat(verifier.verify().intact()).isFalse();
    }

    @Test
    void aModifiedRowIsFound() throws SQLException {
        long id = auditId("acme", 3);
        tamper("UPDATE audit_log SET actor_id = 'someone-else' WHERE id = " + id);

        AuditVerification result = verifier.verify();

        assertThat(result.intact()).isFalse();
        assertThat(result.auditId()).isEqualTo(id);
        assertThat(result.problem()).contains("modified");
    }

    @Test
    void aModifiedDiffIsFound() throws SQLException {
        long id = auditId("", 2);
        tamper("UPDATE audit_log SET diff = jsonb_set(diff, '{total,new}', '1000') WHERE id = " + id);

        AuditVerification result = verifier.verify();

        assertThat(result.intact()).isFalse();
        assertThat(result.auditId()).isEqualTo(id);
        assertThat(result.problem()).contains("modified");
    }

    @Test
    void aRowRewrittenWithAHashOfItsNewContentIsFound() throws SQLException {
        long id = auditId("acme", 1);
        // the writer's hash follows the change: the seal still holds the old one
        tamper("UPDATE audit_log SET actor_id = 'someone-else' WHERE id = " + id
                + "; UPDATE audit_log a SET row_hash = sha256(convert_to(ledgerbox_audit_content(a), 'UTF8'))"
                + " WHERE id = " + id);

        AuditVerification result = verifier.verify();

        assertThat(result.intact()).isFalse();
        assertThat(result.auditId()).isEqualTo(id);
        assertThat(result.problem()).contains("modified");
    }

    @Test
    void aRowWhoseHashWasRemovedIsFound() throws SQLException {
        long id = auditId("", 3);
        assertThat(query("SELECT row_hash IS NOT NULL AS hashed FROM audit_log WHERE id = ?", id))
                .extracting(r -> r.get("hashed"))
                .containsExactly("true");
        // read as a row without the writer's hash, it would be sealed by its whole text
        tamper("UPDATE audit_log SET row_hash = NULL WHERE id = " + id);

        AuditVerification result = verifier.verify();

        assertThat(result.intact()).isFalse();
        assertThat(result.auditId()).isEqualTo(id);
    }

    @Test
    void aChangedClientAddressOrTransactionIsFound() throws SQLException {
        long first = auditId("", 1);
        long second = auditId("", 2);
        tamper("UPDATE audit_log SET client_ip = '198.51.100.7' WHERE id = " + first);

        assertThat(verifier.verify().auditId()).isEqualTo(first);

        tamper("UPDATE audit_log SET client_ip = NULL WHERE id = " + first
                + "; UPDATE audit_log SET tx_id = tx_id + 1 WHERE id = " + second);

        AuditVerification result = verifier.verify();
        assertThat(result.intact()).isFalse();
        assertThat(result.auditId()).isEqualTo(second);
    }

    /** The hand check of docs/audit.md, for the given seal: each row's id and whether it is intact. */
    private static Map<Long, Boolean> checkedByHand(String chain, long seq) throws IOException {
        String check = DocSql.blocks("audit.md", "<!-- seal-check:start -->", "<!-- seal-check:end -->")
                .get(0)
                .replace("'acme'", "?")
                .replace("42", "?")
                .replace(";", "");
        Map<Long, Boolean> intact = new TreeMap<>();
        for (Map<String, Object> row : query(check, chain, seq)) {
            intact.put(
                    Long.valueOf(row.get("audit_id").toString()),
                    Boolean.valueOf(row.get("intact").toString()));
        }
        return intact;
    }

    @Test
    void theDocumentedCheckByHandFindsTheModifiedRow() throws Exception {
        long first = auditId("acme", 3);
        long modified = auditId("acme", 4);
        long last = auditId("acme", 5);
        assertThat(checkedByHand("acme", 2))
                .containsExactly(entry(first, true), entry(modified, true), entry(last, true));

        tamper("UPDATE audit_log SET reason = 'rewritten' WHERE id = " + modified);

        assertThat(checkedByHand("acme", 2))
                .containsExactly(entry(first, true), entry(modified, false), entry(last, true));
    }

    /** Seals as the sealer wrote them before audit schema 9: their entries as a text[] of hex. */
    private static void toTheFormatBeforeSchema9() {
        tamper("UPDATE audit_seal SET row_hashes = ARRAY(SELECT ledgerbox_audit_seal_entry(audit_seal, o)"
                + " FROM generate_series(1, cardinality(audit_ids)) AS o ORDER BY o), entries = NULL");
        assertThat(query("SELECT count(*) AS n FROM audit_seal WHERE entries IS NOT NULL OR row_hashes IS NULL"))
                .singleElement()
                .satisfies(r -> assertThat(r.get("n").toString()).isEqualTo("0"));
    }

    @Test
    void sealsWrittenBeforeSchema9VerifyAndChainOnToNewOnes() throws Exception {
        toTheFormatBeforeSchema9();
        assertThat(verifier.verify().intact()).isTrue();
        assertThat(checkedByHand("acme", 2)).hasSize(3).doesNotContainValue(false);

        try (var scope = AuditContext.current()
                .withActor(new AuditActor("user-new", null, null, "acme"))
                .open()) {
            inTransaction(s -> s.persist(new ShopOrder("c", BigDecimal.ONE)));
        }
        assertThat(sealer.sealAll()).isEqualTo(1);
        assertThat(query("SELECT entries IS NOT NULL AS bytes FROM audit_seal WHERE chain_key = 'acme' AND seq = 3"))
                .singleElement()
                .satisfies(r -> assertThat(r.get("bytes").toString()).isEqualTo("true"));
        AuditVerification result = verifier.verify();
        assertThat(result.intact()).as(result.toString()).isTrue();
        assertThat(result.rowsChecked()).isEqualTo(11);

        long id = auditId("acme", 2);
        tamper("UPDATE audit_log SET actor_id = 'someone-else' WHERE id = " + id);
        result = verifier.verify();
        assertThat(result.intact()).isFalse();
        assertThat(result.auditId()).isEqualTo(id);
        assertThat(result.problem()).contains("modified");
    }

    @Test
    void anEntryOfAnEarlierSealThatIsNotAHashIsFound() throws SQLException {
        toTheFormatBeforeSchema9();
        tamper("UPDATE audit_seal SET row_hashes[1] = 'not a hash' WHERE chain_key = '' AND seq = 2");

        AuditVerification result = verifier.verify();

        assertThat(result.intact()).isFalse();
        assertThat(result.chain()).isEqualTo("");
        assertThat(result.seq()).isEqualTo(2);
        assertThat(result.problem()).contains("not a sha256 hash");
    }

    @Test
    void aSealWithoutEntriesIsFound() throws SQLException {
        String check = query("SELECT pg_get_constraintdef(oid) AS d FROM pg_constraint"
                        + " WHERE conname = 'audit_seal_arrays_check'")
                .get(0)
                .get("d")
                .toString();
        try {
            tamper("ALTER TABLE audit_seal DROP CONSTRAINT audit_seal_arrays_check;"
                    + " UPDATE audit_seal SET entries = NULL WHERE chain_key = 'acme' AND seq = 1");

            AuditVerification result = verifier.verify();

            assertThat(result.intact()).isFalse();
            assertThat(result.seq()).isEqualTo(1);
            assertThat(result.problem()).contains("differ in length");
        } finally {
            Hibernate.resetAuditLog();
            execute("ALTER TABLE audit_seal ADD CONSTRAINT audit_seal_arrays_check " + check);
        }
    }

    @Test
    void aDeletedRowIsFound() throws SQLException {
        long id = auditId("acme", 2);
        tamper("DELETE FROM audit_log WHERE id = " + id);

        AuditVerification result = verifier.verify();

        assertThat(result.intact()).isFalse();
        assertThat(result.auditId()).isEqualTo(id);
        assertThat(result.problem()).contains("deleted");
    }

    @Test
    void aSealDeletedWithItsRowsIsFound() throws SQLException {
        tamper(
                "DELETE FROM audit_log WHERE id IN (SELECT unnest(audit_ids) FROM audit_seal"
                        + " WHERE chain_key = 'acme' AND seq = 1); DELETE FROM audit_seal WHERE chain_key = 'acme' AND seq = 1");

        AuditVerification result = verifier.verify();

        assertThat(result.intact()).isFalse();
        assertThat(result.chain()).isEqualTo("acme");
        assertThat(result.seq()).isEqualTo(1);
        assertThat(result.problem()).contains("were deleted");
    }

    @Test
    void aRowDeletedAndCutOutOfItsSealIsFound() throws SQLException {
        long id = auditId("acme", 4); // the middle row of the second seal
        tamper("DELETE FROM audit_log WHERE id = " + id + "; UPDATE audit_seal"
                + " SET audit_ids = audit_ids[1:1] || audit_ids[3:3],"
                + " entries = substring(entries FROM 1 FOR 32) || substring(entries FROM 65 FOR 32)"
                + " WHERE chain_key = 'acme' AND seq = 2");

        AuditVerification result = verifier.verify();

        assertThat(result.intact()).isFalse();
        assertThat(result.seq()).isEqualTo(2);
        assertThat(result.problem()).contains("the seal was altered");
    }

    @Test
    void reorderedRowsAreFound() throws SQLException {
        long first = auditId("", 1);
        long second = auditId("", 2);
        tamper("UPDATE audit_seal SET audit_ids = ARRAY[" + second + ", " + first + "]"
                + " WHERE chain_key = '' AND seq = 1");

        AuditVerification result = verifier.verify();

        assertThat(result.intact()).isFalse();
        assertThat(result.chain()).isEqualTo("");
        assertThat(result.auditId()).isEqualTo(second);
        assertThat(result.problem()).contains("modified after it was sealed, or moved");
    }

    @Test
    void reorderedSealsAreFound() throws SQLException {
        tamper("UPDATE audit_seal SET seq = -1 WHERE chain_key = 'acme' AND seq = 1;"
                + " UPDATE audit_seal SET seq = 1 WHERE chain_key = 'acme' AND seq = 2;"
                + " UPDATE audit_seal SET seq = 2 WHERE chain_key = 'acme' AND seq = -1");

        AuditVerification result = verifier.verify();

        assertThat(result.intact()).isFalse();
        assertThat(result.seq()).isEqualTo(1);
        assertThat(result.problem()).contains("altered or reordered");
    }

    @Test
    void aDeletedTailIsFoundByTheCountAndByAnAnchor() throws SQLException {
        Map<String, Anchor> anchors = verifier.verify().heads();
        tamper(
                "DELETE FROM audit_log WHERE id IN (SELECT unnest(audit_ids) FROM audit_seal"
                        + " WHERE chain_key = 'acme' AND seq = 2); DELETE FROM audit_seal WHERE chain_key = 'acme' AND seq = 2");

        assertThat(verifier.verify().problem()).contains("the newest rows and their seals were deleted");

        // an intruder who owns the tables and also rewinds the sealer's progress is still caught by
        // the anchor kept elsewhere
        execute("ALTER TABLE audit_seal_progress DISABLE TRIGGER USER;"
                + " UPDATE audit_seal_progress SET sealed_count = sealed_count - 3"
                + " WHERE seq = (SELECT max(seq) FROM audit_seal_progress);"
                + " ALTER TABLE audit_seal_progress ENABLE TRIGGER USER");
        assertThat(verifier.verify().intact()).isTrue();
        AuditVerification anchored = verifier.verify(anchors);
        assertThat(anchored.intact()).isFalse();
        assertThat(anchored.problem()).contains("chain 'acme' no longer holds the anchored seal 2");
    }

    @Test
    void theSealersProgressCannotBeRewoundWithTheTriggersOn() throws SQLException {
        String newest = "(SELECT max(seq) FROM audit_seal_progress)";
        assertThatThrownBy(() -> execute("UPDATE audit_seal_progress SET sealed_count = 0 WHERE seq = " + newest))
                .hasMessageContaining("audit_seal_progress is append-only; UPDATE refused");
        assertThatThrownBy(() -> execute("DELETE FROM audit_seal_progress WHERE seq = " + newest))
                .hasMessageContaining("audit_seal_progress is append-only; DELETE refused");
        assertThatThrownBy(() -> execute("TRUNCATE audit_seal_progress"))
                .hasMessageContaining("audit_seal_progress is append-only; TRUNCATE refused");
        assertThatThrownBy(() -> execute(
                        "INSERT INTO audit_seal_progress (tx_id, audit_id, sealed_count)" + " VALUES (0, 0, 0)"))
                .hasMessageContaining("audit_seal_progress only moves forward");

        assertThat(verifier.verify().intact()).isTrue();
    }

    @Test
    void aRowForgedIntoTheSealedPastIsFound() throws SQLException {
        tamper("INSERT INTO audit_log (occurred_at, tx_id, entity_type, entity_id, operation, diff)"
                + " VALUES (now(), '3', 'Order', '1', 'DELETE', '{}')");

        AuditVerification result = verifier.verify();

        assertThat(result.intact()).isFalse();
        assertThat(result.problem()).contains("in the sealed past but has no seal");
    }

    @Test
    void sealingKeepsUpWithConcurrentWritersWithoutForkingAChain() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(5);
        AtomicBoolean writing = new AtomicBoolean(true);
        List<Future<?>> writers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            String tenant = t % 2 == 0 ? "acme" : "globex";
            writers.add(pool.submit(() -> {
                for (int i = 0; i < 50; i++) {
                    try (var scope = AuditContext.current()
                            .withActor(new AuditActor("w", null, null, tenant))
                            .open()) {
                        inTransaction(s -> s.persist(new ShopOrder("c", BigDecimal.ONE)));
                    }
                }
                return null;
            }));
        }
        Future<Long> sealing = pool.submit(() -> {
            long sealed = 0;
            while (writing.get()) {
                sealed += sealer.sealBatch(7);
            }
            return sealed;
        });
        Future<Long> rival = pool.submit(() -> sealer.sealAll()); // a second sealer at the same time
        for (Future<?> w : writers) {
            w.get();
        }
        writing.set(false);
        long total = sealing.get() + rival.get() + sealer.sealAll();
        pool.shutdown();

        assertThat(total).isEqualTo(200);
        AuditVerification result = verifier.verify();
        assertThat(result.intact()).as(result.toString()).isTrue();
        assertThat(result.rowsChecked()).isEqualTo(210);
        assertThat(query("SELECT count(*) AS n FROM audit_log a"
                                + " WHERE NOT EXISTS (SELECT 1 FROM audit_seal s WHERE a.id = ANY (s.audit_ids))")
                        .get(0))
                .containsEntry("n", "0");
    }
}
