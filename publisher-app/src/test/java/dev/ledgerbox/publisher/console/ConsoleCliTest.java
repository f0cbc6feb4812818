package dev.ledgerbox.publisher.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ledgerbox.console.Passwords;
import dev.ledgerbox.publisher.app.Cli;
import dev.ledgerbox.testing.EmbeddedDatabase;
import dev.ledgerbox.testing.SqlRows;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The console's commands: report (three formats, exit codes) and console-user. */
class ConsoleCliTest {

    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    private static SqlRows sql() {
        return new SqlRows(EmbeddedDatabase.shared().dataSource());
    }

    @BeforeEach
    void empty() throws SQLException {
        sql().execute("TRUNCATE webhook_attempt, webhook_delivery, webhook_message, webhook_replay, webhook_secret,"
                + " webhook_endpoint, outbox_event, outbox_aggregate, console_attempt_minute, console_event_minute CASCADE;"
                + " UPDATE console_rollup_state SET rolled_until = '-infinity';"
                + " ALTER TABLE audit_log DISABLE TRIGGER USER; DELETE FROM audit_log;"
                + " ALTER TABLE audit_log ENABLE TRIGGER USER");
    }

    private int run(String... args) {
        CommandLine cli = Cli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private int runWithInput(String input, String... args) {
        InputStream stdin = System.in;
        System.setIn(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
        try {
            return run(args);
        } finally {
            System.setIn(stdin);
        }
    }

    private static String url() {
        return EmbeddedDatabase.shared().jdbcUrl();
    }

    /** An endpoint, an event delivered once and one that failed then died, an audited change, all in one transaction each. */
    private static void someTraffic() throws SQLException {
        sql().execute("INSERT INTO webhook_endpoint (id, url, event_types) VALUES"
                + " ('00000000-0000-0000-0000-000000000001', 'https://hooks.example.com/a', '{order.*}');"
                + " INSERT INTO webhook_message (event_id, type, aggregatetype, aggregateid, aggregate_seq, body, occurred_at)"
                + " VALUES ('00000000-0000-0000-0000-0000000000a1', 'order.created', 'order', '1', 1, '{}', now()),"
                + " ('00000000-0000-0000-0000-0000000000a2', 'order.paid', 'order', '1', 2, '{}', now());"
                + " INSERT INTO webhook_delivery (id, event_id, endpoint_id, aggregatetype, aggregateid, aggregate_seq,"
                + " status, attempts, delivered_at, dead_at) VALUES"
                + " (1, '00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-000000000001', 'order', '1', 1,"
                + " 'DELIVERED', 1, now(), NULL),"
                + " (2, '00000000-0000-0000-0000-0000000000a2', '00000000-0000-0000-0000-000000000001', 'order', '1', 2,"
                + " 'DEAD', 2, NULL, now());"
                + " INSERT INTO webhook_attempt (delivery_id, event_id, endpoint_id, attempt, request_url, request_headers,"
                + " request_body_sha256, request_bytes, requested_at, responded_at, duration_ms, response_status,"
                + " error_class, error_message, outcome) VALUES"
                + " (1, '00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-000000000001', 1,"
                + " 'https://hooks.example.com/a', '{}', repeat('0', 64), 2, now() - interval '3 minutes', now(), 40, 204,"
                + " NULL, NULL, 'DELIVERED'),"
                + " (2, '00000000-0000-0000-0000-0000000000a2', '00000000-0000-0000-0000-000000000001', 1,"
                + " 'https://hooks.example.com/a', '{}', repeat('0', 64), 2, now() - interval '2 minutes', now(), 900, 503,"
                + " NULL, NULL, 'RETRY'),"
                + " (2, '00000000-0000-0000-0000-0000000000a2', '00000000-0000-0000-0000-000000000001', 2,"
                + " 'https://hooks.example.com/a', '{}', repeat('0', 64), 2, now() - interval '1 minute', NULL, 10000, NULL,"
                + " 'java.util.concurrent.TimeoutException', 'read timed out, after 10 s', 'DEAD')");
    }

    @Test
    void reportGivesTheFiguresAsJsonAndExitsOneWhenTheCanaryFindsStuckDeliveries() throws Exception {
        someTraffic();
        int code = run("report", "--jdbc-url", url(), "--since", "1h", "--format", "json");
        JsonNode report = new ObjectMapper().readTree(out.toString());
        assertThat(report.at("/totals/attempts").asLong()).isEqualTo(3);
        assertThat(report.at("/totals/delivered").asLong()).isEqualTo(1);
        assertThat(report.at("/totals/dead").asLong()).isEqualTo(1);
        assertThat(report.at("/totals/successRate").asDouble()).isEqualTo(1.0 / 3);
        assertThat(report.at("/totals/p99Ms").asInt()).isEqualTo(15_000); // the bucket that holds 10 s
        assertThat(report.at("/byEventType").findValuesAsText("eventType"))
                .containsExactly("order.created", "order.paid");
        assertThat(report.at("/throughput/perMinute")).hasSize(3);
        assertThat(report.at("/errors/byKind").findValuesAsText("kind"))
                .containsExactlyInAnyOrder("HTTP 5xx", "timeout");
        assertThat(report.at("/errors/top/0/attempts").asLong()).isEqualTo(1);
        assertThat(report.at("/deadLetters/inWindow").asLong()).isEqualTo(1);
        // the events were never in the outbox: the canary counts them as routed deliveries without events
        assertThat(report.at("/canary/passed").isBoolean()).isTrue();
        assertThat(code).isEqualTo(report.at("/canary/passed").asBoolean() ? 0 : 1);
    }

    @Test
    void anEventStuckForTwoHoursFailsTheCanaryWithExitOne() throws Exception {
        sql().execute("SELECT ledgerbox_emit('order', '9', 'order.created', '{}'::jsonb, 'stuck-1');"
                + " UPDATE outbox_event SET occurred_at = now() - interval '2 hours'");
        assertThat(run("report", "--jdbc-url", url(), "--since", "24h")).isEqualTo(1);
        assertThat(out.toString()).contains("count-parity canary: FAILED").containsPattern("stuck_events +1");
    }

    @Test
    void aQuietDayPassesTheCanaryInTextAndCsv() {
        assertThat(run("report", "--jdbc-url", url())).isZero();
        assertThat(out.toString()).contains("count-parity canary: passed", "success rate -");
        out.getBuffer().setLength(0);
        assertThat(run("report", "--jdbc-url", url(), "--format", "csv")).isZero();
        assertThat(out.toString()).startsWith("section,key,metric,value\n").contains("canary,,passed,true");
    }

    @Test
    void csvQuotesTextWithCommas() throws Exception {
        someTraffic();
        run("report", "--jdbc-url", url(), "--since", "1h", "--format", "csv");
        assertThat(out.toString())
                .contains("topErrors,\"java.util.concurrent.TimeoutException: read timed out, after 10 s\",attempts,1")
                .contains("topErrors,HTTP 503,attempts,1");
    }

    @Test
    void reportRefusesABadWindowOrFormat() {
        assertThat(run("report", "--jdbc-url", url(), "--since", "forever")).isEqualTo(2);
        assertThat(err.toString()).contains("--since is 'forever'");
        assertThat(run("report", "--jdbc-url", url(), "--format", "xml")).isEqualTo(2);
        assertThat(err.toString()).contains("--format is 'xml': use text, json or csv");
    }

    @Test
    void consoleUserPrintsAHashNeverThePassword() {
        assertThat(runWithInput("a long enough password\n", "console-user", "alice", "operator"))
                .isZero();
        String entry = out.toString().trim();
        assertThat(entry).startsWith("alice:operator:pbkdf2-sha256$").doesNotContain("a long enough password");
        assertThat(Passwords.verify("a long enough password".toCharArray(), entry.split(":", 3)[2]))
                .isTrue();
        assertThat(Passwords.verify("another password".toCharArray(), entry.split(":", 3)[2]))
                .isFalse();
    }

    @Test
    void consoleUserRefusesAShortPasswordAndAnUnknownRole() {
        assertThat(runWithInput("short\n", "console-user", "alice", "operator")).isEqualTo(2);
        assertThat(err.toString()).contains("at least 12 characters");
        assertThat(runWithInput("a long enough password\n", "console-user", "alice", "admin"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("the roles are viewer and operator");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void theConsoleWithoutUsersOrWithAPlainPasswordIsRefused() {
        assertThat(run("run", "--console", "--jdbc-url", url())).isEqualTo(2);
        assertThat(err.toString()).contains("publisher.console.users is not set");
        assertThat(run(
                        "run",
                        "--console",
                        "--jdbc-url",
                        url(),
                        "--set",
                        "publisher.console.users=alice:operator:hunter2"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("a password that is not a hash").doesNotContain("hunter2");
        assertThat(run("status", "--jdbc-url", url(), "--set", "publisher.console.prot=9"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("did you mean publisher.console.port?");
    }
}
