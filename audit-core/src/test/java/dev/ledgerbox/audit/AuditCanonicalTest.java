package dev.ledgerbox.audit;

import static dev.ledgerbox.audit.Hibernate.execute;
import static dev.ledgerbox.audit.Hibernate.query;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The canonical text that row hashes cover is the same, byte for byte, as the first schema
 * version made it ({@code jsonb_build_array(…)::text}), whatever the values: seals made before the
 * text was made by concatenation still verify.
 */
class AuditCanonicalTest {

    /** Version 1's definition as it shipped: {@code SELECT jsonb_build_array(…)::text} of row {@code a}. */
    static final String FIRST = firstDefinition();

    private static String firstDefinition() {
        try (var in = AuditCanonicalTest.class.getResourceAsStream("/db/ledgerbox/audit/V1__audit_log.sql")) {
            String v1 = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int function = v1.indexOf("CREATE FUNCTION ledgerbox_audit_canonical");
            int from = v1.indexOf("$$", function) + 2;
            return v1.substring(from, v1.indexOf("$$", from)).trim();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeEach
    void awkwardRows() {
        Hibernate.factory();
        Hibernate.resetAuditLog();
        execute(
                """
                INSERT INTO audit_log (occurred_at, entity_type, entity_id, operation, diff, action, reason,
                    actor_id, actor_name, actor_email, tenant_id, correlation_id, trace_id, client_ip, user_agent,
                    outbox_event_id)
                VALUES
                ('2026-12-03 01:02:03.456789+00', 'Order', '42', 'INSERT', '{"total": {"new": 19.99}}',
                    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
                ('1969-07-20 20:17:40.000001+00', 'Quote"d\\Back\\\\slash', E'line\\nbreak\\ttab\\u0001ctl',
                    'UPDATE',
                    '{"ü ñame": {"old": 0.10, "new": 1e100}, "tags": {"added": ["x", null, true, {"k": []}],
                      "removed": []}, "html": {"new": "</script><b>\\"q\\"</b>"}, "a": {"new": -0}}',
                    'approve', 'the customer asked — twice 😀', 'user-7', 'Zoë O''Brien', 'zoe@example.com',
                    'acme', 'corr-1', '0af7651916cd43dd8448eb211c80319c', '2001:db8::1', 'Mozilla/5.0 "x"',
                    '6f1c2f8e-7b1a-4c55-9f0e-2f7b8f1d2c3a'),
                (now(), 'T', repeat('long ', 50), 'DELETE', '{}', '', repeat('long reason ', 500), '', '', '', '', '', '',
                    '10.1.2.3/8', '', NULL)
                """);
    }

    @Test
    void theTextIsTheFirstVersionsForEveryKindOfValue() {
        List<Map<String, Object>> rows = query("SELECT a.id, ledgerbox_audit_canonical(a) AS now, (" + FIRST
                + ") AS first FROM audit_log a ORDER BY a.id");

        assertThat(rows).hasSize(3);
        for (Map<String, Object> row : rows) {
            assertThat(row.get("now")).as("row %s", row.get("id")).isEqualTo(row.get("first"));
        }
        assertThat((String) rows.get(1).get("now"))
                .contains("\\\"q\\\"")
                .contains("😀")
                .contains("\"2001:db8::1\"")
                .contains("0.10");
    }

    @Test
    void sealsMadeWithTheFirstTextVerify() throws Exception {
        String current = new String(
                AuditCanonicalTest.class
                        .getResourceAsStream("/db/ledgerbox/audit/V4__canonical_by_concatenation.sql")
                        .readAllBytes(),
                StandardCharsets.UTF_8);
        try {
            // a sealer before version 4: the rows' hashes over the first version's text
            execute("CREATE OR REPLACE FUNCTION ledgerbox_audit_canonical(a audit_log) RETURNS text"
                    + " LANGUAGE sql STABLE PARALLEL SAFE AS $$ " + FIRST + " $$");
            assertThat(new AuditSealer(Hibernate.db()).sealAll()).isEqualTo(3);
        } finally {
            execute(current);
        }

        AuditVerification result = new AuditVerifier(Hibernate.db()).verify();

        assertThat(result.intact()).as(result.toString()).isTrue();
        assertThat(result.rowsChecked()).isEqualTo(3);
    }
}
