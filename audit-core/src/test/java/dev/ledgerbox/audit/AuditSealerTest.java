package dev.ledgerbox.audit;

import static dev.ledgerbox.audit.Hibernate.execute;
import static dev.ledgerbox.audit.Hibernate.query;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.testing.EmbeddedDatabase;
import java.sql.SQLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The sealer finds each batch through the audit log's BRIN index, which skips the sealed past only
 * where its ranges are summarized: each batch summarizes the ranges filled since the last.
 */
class AuditSealerTest {

    static final String ROLE = "ledgerbox_sealer_only";

    @BeforeEach
    void empty() {
        Hibernate.factory();
        Hibernate.resetAuditLog();
    }

    @AfterEach
    void dropRole() {
        execute("DROP OWNED BY " + ROLE + "; DROP ROLE " + ROLE);
    }

    private static void insertRows(int n) {
        execute("INSERT INTO audit_log (occurred_at, entity_type, entity_id, operation, diff)"
                + " SELECT clock_timestamp(), 'Invoice', 'inv-' || g, 'INSERT',"
                + " jsonb_build_object('note', jsonb_build_object('new', repeat('x', 300)))"
                + " FROM generate_series(1, " + n + ") g");
    }

    /** Ranges of the BRIN index that had no summary (and have one now). */
    private static long unsummarizedRanges() {
        return Long.parseLong(query("SELECT brin_summarize_new_values('audit_log_brin_idx') AS n")
                .get(0)
                .get("n")
                .toString());
    }

    @BeforeEach
    void aRoleThatMaySealButNotMaintain() {
        execute("CREATE ROLE " + ROLE + " LOGIN PASSWORD 'sealer'; GRANT SELECT ON audit_log TO " + ROLE
                + "; GRANT SELECT, INSERT ON audit_seal, audit_seal_progress TO " + ROLE
                + "; GRANT USAGE ON SEQUENCE audit_seal_progress_seq_seq TO " + ROLE);
    }

    @Test
    void aBatchSummarizesTheRangesFilledSinceTheLast() throws SQLException {
        AuditSealer sealer = new AuditSealer(Hibernate.db());
        insertRows(3000); // more than one range of 128 pages
        assertThat(sealer.sealAll()).isEqualTo(3000);

        assertThat(unsummarizedRanges()).isZero();

        insertRows(10);
        assertThat(sealer.sealAll()).isEqualTo(10);
        assertThat(unsummarizedRanges()).isZero();
        assertThat(new AuditVerifier(Hibernate.db()).verify().intact()).isTrue();
    }

    @Test
    void sealingAllGoesOnWhileBatchesAreFullAndStopsAtTheFirstThatIsNot() throws SQLException {
        insertRows(AuditSealer.ALL_BATCH + 5);

        assertThat(new AuditSealer(Hibernate.db()).sealAll()).isEqualTo(AuditSealer.ALL_BATCH + 5);

        assertThat(query("SELECT sealed_count FROM audit_seal_progress ORDER BY seq"))
                .extracting(r -> r.get("sealed_count"))
                .containsExactly(Integer.toString(AuditSealer.ALL_BATCH), Integer.toString(AuditSealer.ALL_BATCH + 5));
    }

    @Test
    void aRoleThatMayNotMaintainTheLogSealsWithoutSummarizing() throws SQLException {
        PGSimpleDataSource sealerOnly = new PGSimpleDataSource();
        sealerOnly.setUrl(
                "jdbc:postgresql://localhost:" + EmbeddedDatabase.shared().port() + "/postgres");
        sealerOnly.setUser(ROLE);
        sealerOnly.setPassword("sealer");
        AuditSealer sealer = new AuditSealer(sealerOnly);
        insertRows(3000);

        assertThat(sealer.sealAll()).isEqualTo(3000);
        insertRows(10);
        assertThat(sealer.sealAll()).isEqualTo(10);

        assertThat(unsummarizedRanges()).isPositive();
        AuditVerification result = new AuditVerifier(Hibernate.db()).verify();
        assertThat(result.intact()).as(result.toString()).isTrue();
        assertThat(result.rowsChecked()).isEqualTo(3010);
    }

    /**
     * sha256 hashes do not compress: PostgreSQL's attempt at each seal's array of them cost more
     * than the rest of its insert. The seal's hashes are stored as they are, out of line; its ids,
     * which compress, keep the default.
     */
    @Test
    void aSealsHashesAreStoredWithoutAnAttemptAtCompressionAndItsIdsCompressed() throws SQLException {
        insertRows(AuditSealer.ALL_BATCH);
        assertThat(new AuditSealer(Hibernate.db()).sealAll()).isEqualTo(AuditSealer.ALL_BATCH);

        assertThat(query("SELECT attname, attstorage FROM pg_attribute WHERE attrelid = 'audit_seal'::regclass"
                        + " AND attname IN ('audit_ids', 'entries') ORDER BY attname"))
                .extracting(r -> r.get("attname") + "=" + r.get("attstorage"))
                .containsExactly("audit_ids=x", "entries=e");
        assertThat(query("SELECT count(*) FILTER (WHERE pg_column_compression(entries) IS NULL) AS plain,"
                        + " count(*) FILTER (WHERE pg_column_compression(audit_ids) IS NOT NULL) AS compressed,"
                        + " count(*) AS seals FROM audit_seal"))
                .singleElement()
                .satisfies(r -> {
                    assertThat(r.get("seals")).isNotEqualTo("0");
                    assertThat(r.get("plain")).isEqualTo(r.get("seals"));
                    assertThat(r.get("compressed")).isEqualTo(r.get("seals"));
                });
        assertThat(new AuditVerifier(Hibernate.db()).verify().intact()).isTrue();
    }
}
