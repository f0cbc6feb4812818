package dev.ledgerbox.publisher.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.standardwebhooks.Webhook;
import dev.ledgerbox.publisher.app.Cli;
import dev.ledgerbox.publisher.webhook.Receiver.Received;
import dev.ledgerbox.testing.EmbeddedDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code endpoints} and {@code dead-letters}: output and exit codes, against a real PostgreSQL. */
class WebhookCliTest extends ReceiverTest {

    private static final String KEY = SecretBox.newKey("cli-1");

    private StringWriter out;
    private StringWriter err;

    /** Runs a command against the test database, its secrets sealed with {@link #KEY}. */
    private int run(String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--set";
        all[args.length + 1] = "publisher.secrets.keys=" + KEY;
        return runWithoutKey(all);
    }

    private int runWithoutKey(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        CommandLine cli = Cli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--jdbc-url";
        all[args.length + 1] = EmbeddedDatabase.shared().jdbcUrl();
        all[args.length + 2] = "--user";
        all[args.length + 3] = "postgres";
        return cli.execute(all);
    }

    @Test
    void secretsAreSealedAndAKeyRotationSealsWhatWasStoredInClear() throws Exception {
        var before = Webhooks.endpoint(receiver.url("/before"), "order.*"); // stored in clear, before the key
        assertThat(run("endpoints", "add", "--url", receiver.url("/sealed"), "--allow-private"))
                .isZero();
        assertThat(Webhooks.sql().query("SELECT secret FROM webhook_secret ORDER BY id"))
                .extracting(r -> ((String) r.get("secret")).substring(0, 13))
                .containsExactly("whsec_" + before.secret().reveal().substring(6, 13), "lbx:v1:cli-1:");

        assertThat(run("secrets", "rotate-key")).isZero();
        assertThat(out.toString()).contains("sealed 1 signing secret(s) and 0 header value(s) under key 'cli-1'");
        assertThat(Webhooks.sql().query("SELECT secret FROM webhook_secret"))
                .allSatisfy(r -> assertThat((String) r.get("secret")).startsWith("lbx:v1:cli-1:"));
        assertThat(run("endpoints", "test", before.endpoint().id().toString())).isZero();
        Received probe = receiver.received("/before").get(0);
        new Webhook(before.secret().reveal()).verify(probe.bodyText(), probe.headers());

        StringWriter key = new StringWriter();
        CommandLine cli = Cli.commandLine();
        cli.setOut(new PrintWriter(key, true));
        assertThat(cli.execute("secrets", "new-key", "2026-12")).isZero(); // no database needed
        assertThat(key.toString().trim()).matches("2026-12:[A-Za-z0-9+/]{43}=");
    }

    @Test
    void withoutAKeyNothingIsStoredInClearUnlessSoConfigured() throws Exception {
        assertThat(runWithoutKey("endpoints", "add", "--url", receiver.url("/x"), "--allow-private"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("refused: ", "publisher.secrets.keys", "publisher.secrets.plaintext=true");
        assertThat(Webhooks.endpoints().list()).isEmpty();
        assertThat(runWithoutKey("secrets", "rotate-key")).isEqualTo(2);
        assertThat(err.toString()).contains("no key to seal with");
        assertThat(runWithoutKey(
                        "endpoints",
                        "add",
                        "--url",
                        receiver.url("/x"),
                        "--allow-private",
                        "--set",
                        "publisher.secrets.plaintext=true"))
                .isZero();
        assertThat(runWithoutKey("endpoints", "list", "--set", "publisher.secrets.keys=nokey"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("publisher.secrets.keys has an entry without a key id");
    }

    private static String group(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as("'%s' in %s", regex, text).isTrue();
        return m.group(1);
    }

    @Test
    void addListRotateTestDisableAndEnable() throws Exception {
        assertThat(run("endpoints", "add", "--url", receiver.url("/cli"), "--type", "order.*", "--allow-private"))
                .isZero();
        UUID id = UUID.fromString(group(out.toString(), "endpoint ([0-9a-f-]{36})"));
        String secret = group(out.toString(), "secret: (whsec_\\S+)");

        assertThat(run("endpoints", "list")).isZero();
        assertThat(out.toString())
                .contains(id.toString(), "enabled", "order.*", "1 endpoint(s)")
                .doesNotContain(secret);

        assertThat(run("endpoints", "test", id.toString())).isZero();
        assertThat(out.toString()).containsPattern("HTTP 200 in \\d+ ms");
        Received probe = receiver.received().get(0);
        new Webhook(secret).verify(probe.bodyText(), probe.headers());
        assertThat(probe.bodyText()).contains("\"type\":\"ledgerbox.test\"");

        assertThat(run("endpoints", "rotate-secret", id.toString(), "--grace", "1h"))
                .isZero();
        String next = group(out.toString(), "new secret: (whsec_\\S+)");
        assertThat(run("endpoints", "test", id.toString())).isZero();
        Received second = receiver.received().get(1);
        new Webhook(secret).verify(second.bodyText(), second.headers());
        new Webhook(next).verify(second.bodyText(), second.headers());

        assertThat(run("endpoints", "disable", id.toString(), "--reason", "receiver migrating"))
                .isZero();
        assertThat(run("endpoints", "list")).isZero();
        assertThat(out.toString()).contains("disabled", "(receiver migrating)");
        assertThat(run("endpoints", "enable", id.toString())).isZero();
        assertThat(Webhooks.endpoints().find(id).orElseThrow().enabled()).isTrue();
    }

    @Test
    void badInputExitsWith2AndSaysWhy() {
        assertThat(run("endpoints", "add", "--url", "http://127.0.0.1:9/x")).isEqualTo(2);
        assertThat(err.toString()).contains("resolves to 127.0.0.1, a loopback address: refused");
        assertThat(run("endpoints", "add", "--url", "https://93.184.216.34/x", "--timeout", "soon"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--timeout is 'soon'");
        assertThat(run("endpoints", "disable", UUID.randomUUID().toString())).isEqualTo(2);
        assertThat(err.toString()).contains("there is no webhook endpoint");
        assertThat(run("dead-letters", "replay", "--status", "DELIVERED", "--reason", "x"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("say which deliveries: --id, --endpoint, --type, --from or --to");
        assertThat(run("dead-letters", "replay", "--status", "DELIVERED", "--all", "--reason", "x"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("needs a narrower filter");
        assertThat(run("dead-letters", "replay", "--reason", "x")).isEqualTo(2);
        assertThat(run("dead-letters", "replay", "--all", "--reason", "x")).isZero();
        assertThat(run("dead-letters", "replay", "--id", "999999", "--reason", "x"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("there is no webhook delivery [999999]");
        assertThat(run("dead-letters", "list", "--limit", "-3")).isEqualTo(2);
        assertThat(err.toString()).contains("--limit is -3");
        assertThat(run("endpoints", "test", UUID.randomUUID().toString())).isEqualTo(2);
    }

    @Test
    void deadLettersAreListedAndReplayedWithWhoAndWhy() throws Exception {
        var created = Webhooks.endpoint(receiver.url("/hooks"), "*");
        UUID eventId = Webhooks.publish("order", "order.created", "42").get(0);
        Webhooks.sql()
                .execute("UPDATE webhook_delivery SET status = 'DEAD', attempts = 8, dead_at = now(),"
                        + " last_error = 'gave up after 8 attempts: HTTP 500'");

        assertThat(run(
                        "dead-letters",
                        "list",
                        "--endpoint",
                        created.endpoint().id().toString()))
                .isZero();
        assertThat(out.toString())
                .contains(eventId.toString(), "order.created", "gave up after 8 attempts", "1 delivery(ies)")
                .contains(receiver.url("/hooks"));

        assertThat(run("status")).isZero();
        assertThat(out.toString())
                .as("status shows the deliveries, not only the delivered event")
                .containsPattern("webhook deliveries to\\s+pending")
                .containsPattern(Pattern.quote(receiver.url("/hooks")) + "\\s+0\\s+0\\s+0\\s+0\\s+1");

        assertThat(run("dead-letters", "replay", "--type", "order.*", "--reason", "receiver fixed", "--by", "alice"))
                .isZero();
        assertThat(out.toString()).contains("replayed 1 of 1", "1 delivery(ies) put back to pending");
        assertThat(Webhooks.sql()
                        .query("SELECT d.status, d.attempts, r.requested_by, r.reason FROM webhook_delivery d"
                                + " JOIN webhook_replay r ON r.id = d.replay_id"))
                .containsExactly(Map.of(
                        "status", "PENDING", "attempts", "0", "requested_by", "alice", "reason", "receiver fixed"));
    }
}
