package dev.ledgerbox.publisher.inbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.publisher.app.Cli;
import dev.ledgerbox.testing.EmbeddedDatabase;
import dev.ledgerbox.testing.SqlRows;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.SQLException;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code inbox replay}: what it puts back, what it records, and its exit codes. */
class InboxCliTest {

    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final SqlRows sql = new SqlRows(EmbeddedDatabase.shared().dataSource());

    @BeforeEach
    void twoFailedMessagesAndAProcessedOne() throws SQLException {
        sql.execute("TRUNCATE inbox_message, inbox_replay");
        sql.execute("INSERT INTO inbox_message (source, idempotency_key, key_origin, status, body, body_sha256,"
                + " body_bytes, error_message) VALUES"
                + " ('payments', 'a', 'header:webhook-id', 'FAILED', '\\x7b7d', repeat('0', 64), 2, 'boom'),"
                + " ('payments', 'b', 'header:webhook-id', 'DEAD', '\\x7b7d', repeat('0', 64), 2, 'boom'),"
                + " ('payments', 'c', 'header:webhook-id', 'PROCESSED', '\\x7b7d', repeat('0', 64), 2, null),"
                + " ('crm', 'd', 'header:webhook-id', 'FAILED', '\\x7b7d', repeat('0', 64), 2, 'boom')");
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
    void replayBySourcePutsItsFailedAndDeadMessagesBackAndRecordsWhoAndWhy() throws SQLException {
        int code = run(
                "inbox",
                "replay",
                "--jdbc-url",
                url(),
                "--user",
                "postgres",
                "--source",
                "payments",
                "--reason",
                "the upsert is fixed",
                "--by",
                "alice");

        assertThat(code).isZero();
        assertThat(out.toString()).contains("2 message(s) put back for processing");
        assertThat(sql.query("SELECT idempotency_key, status FROM inbox_message ORDER BY idempotency_key"))
                .extracting(r -> r.get("idempotency_key") + "=" + r.get("status"))
                .containsExactly("a=RECEIVED", "b=RECEIVED", "c=PROCESSED", "d=FAILED");
        assertThat(sql.query("SELECT requested_by, reason, messages FROM inbox_replay"))
                .containsExactly(Map.of("requested_by", "alice", "reason", "the upsert is fixed", "messages", "2"));
    }

    @Test
    void aReplayNeedsASelectionAndAReasonAndAnUnreachableDatabaseIsExit3() {
        assertThat(run("inbox", "replay", "--jdbc-url", url(), "--reason", "x")).isEqualTo(2);
        assertThat(err.toString()).contains("say which messages: --id (repeatable) or --source");
        assertThat(run("inbox", "replay", "--jdbc-url", url(), "--source", "payments"))
                .isEqualTo(2);
        assertThat(run(
                        "inbox",
                        "replay",
                        "--jdbc-url",
                        url(),
                        "--source",
                        "payments",
                        "--from",
                        "2026-12-01T00:00:00Z",
                        "--reason",
                        "x"))
                .isEqualTo(2);

        assertThat(run(
                        "inbox",
                        "replay",
                        "--jdbc-url",
                        "jdbc:postgresql://127.0.0.1:1/none?connectTimeout=2",
                        "--source",
                        "payments",
                        "--reason",
                        "x"))
                .isEqualTo(3);
        assertThat(err.toString()).contains("database unreachable");
    }
}
