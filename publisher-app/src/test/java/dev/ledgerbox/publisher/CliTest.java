package dev.ledgerbox.publisher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.audit.AuditSealer;
import dev.ledgerbox.publisher.app.Cli;
import dev.ledgerbox.testing.EmbeddedDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line: output and exit codes, against a real PostgreSQL. */
class CliTest {

    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    @BeforeEach
    void empty() throws SQLException {
        Events.clear();
    }

    private int run(String... args) {
        CommandLine cli = Cli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private static String url() {
        return EmbeddedDatabase.shared().jdbcUrl();
    }

    @Test
    void helpListsTheCommandsAndTheExitCodes() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString())
                .contains("run", "status", "migrate", "replay", "verify")
                .contains("Exit codes: 0 done, 1 failed, 2 bad usage or configuration\n(a database without the"
                        + " Ledgerbox schema too), 3 database unreachable.");
        for (String group : List.of("endpoints", "dead-letters", "inbox", "secrets")) {
            out.getBuffer().setLength(0);
            assertThat(run(group)).as(group).isZero();
            assertThat(out.toString()).as(group).startsWith("Usage: ledgerbox-publisher " + group);
        }
    }

    @Test
    void anUnreachableDatabaseIsExit3WithOneLineEvenForMigrate() {
        String down = "jdbc:postgresql://127.0.0.1:1/none?connectTimeout=2";

        assertThat(run("migrate", "--jdbc-url", down)).isEqualTo(3);
        assertThat(err.toString().lines()).hasSize(1);
        assertThat(err.toString()).startsWith("database unreachable or refused the request: ");
    }

    @Test
    void anUnknownSettingIsRefusedWithTheNearestKnownOne() {
        assertThat(run("status", "--jdbc-url", url(), "--set", "publisher.batch-sise=500"))
                .isEqualTo(2);
        assertThat(err.toString())
                .contains("there is no setting publisher.batch-sise; did you mean publisher.batch-size?");
    }

    @Test
    void aDatabaseWithoutTheSchemaIsToldToMigrate() throws SQLException {
        Events.sql().execute("DROP DATABASE IF EXISTS not_migrated");
        Events.sql().execute("CREATE DATABASE not_migrated");

        String bare = url().replace("/postgres?", "/not_migrated?");
        assertThat(run("status", "--jdbc-url", bare, "--user", "postgres")).isEqualTo(2);
        assertThat(err.toString())
                .contains("the Ledgerbox schema is missing in this database")
                .contains("run `ledgerbox-publisher migrate` first");
    }

    @Test
    void statusCountsEventsPerType() throws SQLException {
        Events.write("order", "order.created", "1", "2");

        assertThat(run("status", "--jdbc-url", url(), "--user", "postgres")).isZero();

        assertThat(out.toString())
                .containsPattern("order.created\\s+2\\s+0\\s+0\\s+0\\s+0")
                .contains("oldest waiting event:");
    }

    @Test
    void replayPutsDeadEventsBackWithProgress() throws SQLException {
        List<UUID> ids = Events.write("order", "order.created", "1", "2", "3");
        Events.sql().execute("UPDATE outbox_event SET status = 'DEAD', attempts = 10, last_error = 'gone'");

        int code = run("replay", "--jdbc-url", url(), "--user", "postgres", "--type", "order.created");

        assertThat(code).isZero();
        assertThat(out.toString()).contains("replayed 3 of 3").contains("3 event(s) put back to pending");
        for (UUID id : ids) {
            assertThat(Events.row(id))
                    .containsEntry("status", "PENDING")
                    .containsEntry("attempts", "0")
                    .containsEntry("last_error", null);
        }
    }

    @Test
    void replayByIdOnlyTouchesThatEvent() throws SQLException {
        List<UUID> ids = Events.write("order", "order.created", "1", "2");
        Events.sql().execute("UPDATE outbox_event SET status = 'DELIVERED', delivered_at = now()");

        assertThat(run("replay", "--jdbc-url", url(), "--id", ids.get(1).toString(), "--status", "DELIVERED"))
                .isZero();

        assertThat(Events.status(ids.get(0))).isEqualTo("DELIVERED");
        assertThat(Events.status(ids.get(1))).isEqualTo("PENDING");
    }

    @Test
    void replayWithoutAFilterOrWithABadOneIsAUsageError() {
        assertThat(run("replay", "--jdbc-url", url())).isEqualTo(Cli.USAGE);
        assertThat(err.toString()).contains("say which events");
        assertThat(run("replay", "--jdbc-url", url(), "--aggregate", "order")).isEqualTo(Cli.USAGE);
        assertThat(err.toString()).contains("--aggregate is 'order': write it TYPE:ID");
    }

    @Test
    void migrateAppliesEverySchemaToAnEmptyDatabase() throws SQLException {
        Events.sql().execute("DROP DATABASE IF EXISTS cli_migrate");
        Events.sql().execute("CREATE DATABASE cli_migrate");
        String empty = url().replace("/postgres?", "/cli_migrate?");

        assertThat(run("migrate", "--jdbc-url", empty, "--user", "postgres")).isZero();

        assertThat(out.toString())
                .contains("migrating outbox schema")
                .contains("outbox: 8 migration(s) applied, now at version 8")
                .contains("audit: 9 migration(s) applied, now at version 9")
                .contains("webhook: 8 migration(s) applied, now at version 8")
                .contains("inbox: 4 migration(s) applied, now at version 4")
                .contains("outbound: 1 migration(s) applied, now at version 1")
                .contains("console: 1 migration(s) applied, now at version 1");
    }

    @Test
    void verifyExitsZeroOnAnIntactAuditLogAndPrintsTheHeads() throws Exception {
        resetAuditLog();
        Events.sql()
                .execute("INSERT INTO audit_log (occurred_at, entity_type, entity_id, operation, diff)"
                        + " VALUES (now(), 'ShopOrder', '1', 'INSERT', '{\"status\": {\"new\": \"NEW\"}}')");
        new AuditSealer(Events.db()).sealAll();

        assertThat(run("verify", "--jdbc-url", url(), "--user", "postgres")).isZero();
        assertThat(out.toString())
                .contains("audit log intact: 1 sealed rows verified")
                .contains("head of chain '': seal 1 ");
    }

    @Test
    void verifyExitsOneOnATamperedAuditLog() throws Exception {
        resetAuditLog();
        Events.sql()
                .execute("INSERT INTO audit_log (occurred_at, entity_type, entity_id, operation, diff)"
                        + " VALUES (now(), 'ShopOrder', '1', 'INSERT', '{}')");
        new AuditSealer(Events.db()).sealAll();
        Events.sql()
                .execute("ALTER TABLE audit_log DISABLE TRIGGER USER; UPDATE audit_log SET actor_id = 'x';"
                        + " ALTER TABLE audit_log ENABLE TRIGGER USER");
        try {
            assertThat(run("verify", "--jdbc-url", url(), "--user", "postgres")).isEqualTo(Cli.FAILED);
            assertThat(out.toString()).contains("audit log BROKEN").contains("modified");
        } finally {
            resetAuditLog();
        }
    }

    @Test
    void aCutTailWithTheSealersCountRewoundIsFoundByThePublishedAnchor() throws Exception {
        resetAuditLog();
        for (int i = 1; i <= 3; i++) {
            Events.sql()
                    .execute("INSERT INTO audit_log (occurred_at, entity_type, entity_id, operation, diff)"
                            + " VALUES (now(), 'ShopOrder', '" + i + "', 'INSERT', '{}')");
            new AuditSealer(Events.db()).sealAll();
        }
        assertThat(run("verify", "--jdbc-url", url(), "--user", "postgres")).isZero();
        Matcher printed = Pattern.compile("--anchor (\\S+)").matcher(out.toString());
        assertThat(printed.find()).as(out.toString()).isTrue();
        String published = printed.group(1);
        try {
            // the intruder cuts the newest row and its seal, and rewinds the sealer's count
            Events.sql()
                    .execute("ALTER TABLE audit_log DISABLE TRIGGER USER; ALTER TABLE audit_seal DISABLE TRIGGER USER;"
                            + " DELETE FROM audit_log WHERE id IN (SELECT unnest(audit_ids) FROM audit_seal"
                            + " WHERE seq = 3); DELETE FROM audit_seal WHERE seq = 3;"
                            + " ALTER TABLE audit_seal_progress DISABLE TRIGGER USER;"
                            + " DELETE FROM audit_seal_progress WHERE seq = (SELECT max(seq) FROM audit_seal_progress);"
                            + " ALTER TABLE audit_seal_progress ENABLE TRIGGER USER;"
                            + " ALTER TABLE audit_log ENABLE TRIGGER USER; ALTER TABLE audit_seal ENABLE TRIGGER USER");
            assertThat(run("verify", "--jdbc-url", url(), "--user", "postgres"))
                    .as("without the anchor the cut goes unseen")
                    .isZero();

            assertThat(run("verify", "--jdbc-url", url(), "--user", "postgres", "--anchor", published))
                    .isEqualTo(Cli.FAILED);
            assertThat(out.toString()).contains("audit log BROKEN").contains("no longer holds the anchored seal 3");
            assertThat(run("verify", "--jdbc-url", url(), "--anchor", "acme:x:abc"))
                    .isEqualTo(2);
            assertThat(err.toString()).contains("--anchor is 'acme:x:abc': write CHAIN:SEQ:HASH");
        } finally {
            resetAuditLog();
        }
    }

    @Test
    void verifyExitsThreeWhenTheDatabaseIsUnreachable() {
        assertThat(run("verify", "--jdbc-url", "jdbc:postgresql://localhost:1/none"))
                .isEqualTo(Cli.DATABASE_UNREACHABLE);
    }

    private static void resetAuditLog() throws SQLException {
        Events.sql()
                .execute("ALTER TABLE audit_log DISABLE TRIGGER USER; ALTER TABLE audit_seal DISABLE TRIGGER USER;"
                        + " ALTER TABLE audit_seal_progress DISABLE TRIGGER USER;"
                        + " TRUNCATE audit_log, audit_seal, audit_seal_progress;"
                        + " ALTER TABLE audit_log ENABLE TRIGGER USER; ALTER TABLE audit_seal ENABLE TRIGGER USER;"
                        + " ALTER TABLE audit_seal_progress ENABLE TRIGGER USER;");
    }

    @Test
    void badConfigurationExitsTwoNamingTheKey() {
        assertThat(run("status", "--jdbc-url", url(), "--set", "publisher.batch-size=0"))
                .isEqualTo(Cli.USAGE);
        assertThat(err.toString()).contains("configuration error: publisher.batch-size is '0'");
        assertThat(run("status")).isEqualTo(Cli.USAGE);
        assertThat(err.toString()).contains("publisher.jdbc.url is not set");
    }

    @Test
    void anUnreachableDatabaseExitsThree() {
        assertThat(run("status", "--jdbc-url", "jdbc:postgresql://localhost:1/none"))
                .isEqualTo(Cli.DATABASE_UNREACHABLE);
        assertThat(err.toString()).contains("database unreachable");
    }
}
