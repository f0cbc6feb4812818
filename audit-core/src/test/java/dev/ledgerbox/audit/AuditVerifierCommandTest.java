package dev.ledgerbox.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.audit.fixtures.ShopOrder;
import dev.ledgerbox.testing.EmbeddedDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The verifier as a command: its output and exit codes. */
class AuditVerifierCommandTest {

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        EmbeddedDatabase db = EmbeddedDatabase.shared();
        return AuditVerifier.run(
                args,
                db.password(),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void exitsZeroOnAnIntactLogAndPrintsTheHeads() throws Exception {
        Hibernate.factory();
        Hibernate.resetAuditLog();
        Hibernate.inTransaction(s -> s.persist(new ShopOrder("cli", BigDecimal.ONE)));
        new AuditSealer(Hibernate.db()).sealAll();

        int code = run(EmbeddedDatabase.shared().jdbcUrl(), "postgres");

        assertThat(code).isEqualTo(0);
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("audit log intact: 1 sealed rows verified")
                .contains("head of chain '': seal 1 ");
    }

    @Test
    void exitsOneOnABrokenLog() throws Exception {
        Hibernate.factory();
        Hibernate.resetAuditLog();
        Hibernate.inTransaction(s -> s.persist(new ShopOrder("cli", BigDecimal.ONE)));
        new AuditSealer(Hibernate.db()).sealAll();
        Hibernate.execute("ALTER TABLE audit_log DISABLE TRIGGER USER; UPDATE audit_log SET actor_id = 'x';"
                + " ALTER TABLE audit_log ENABLE TRIGGER USER");

        assertThat(run(EmbeddedDatabase.shared().jdbcUrl(), "postgres")).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("audit log BROKEN")
                .contains("modified");
    }

    @Test
    void exitsTwoWhenItCannotVerifyOrIsMisused() {
        assertThat(run("jdbc:postgresql://localhost:1/none", "nobody")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("could not verify the audit log");
        assertThat(run("only-one-argument")).isEqualTo(2);
        assertThat(run("--help")).isEqualTo(0);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("usage: AuditVerifier");
    }
}
