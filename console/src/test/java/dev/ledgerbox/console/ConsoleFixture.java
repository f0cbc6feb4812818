package dev.ledgerbox.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.ledgerbox.outbox.OutboxEvent;
import dev.ledgerbox.outbox.internal.JsonbPayloadSerializer;
import dev.ledgerbox.outbox.internal.OutboxSettings;
import dev.ledgerbox.outbox.internal.OutboxWriter;
import dev.ledgerbox.outbox.spi.TraceContext;
import dev.ledgerbox.publisher.Publisher;
import dev.ledgerbox.publisher.PublisherSettings;
import dev.ledgerbox.publisher.webhook.EndpointSpec;
import dev.ledgerbox.publisher.webhook.WebhookEndpoints;
import dev.ledgerbox.testing.Await;
import dev.ledgerbox.testing.EmbeddedDatabase;
import dev.ledgerbox.testing.SqlRows;
import java.io.IOException;
import java.io.OutputStream;
import java.net.CookieManager;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * A running publisher with data and a console on it: a real receiver (one path answers 204, one
 * 500 with a hostile body), two endpoints, events (one with a {@code <script>} payload) delivered or
 * dead, audit rows (one field masked), and two users: olga (operator), victor (viewer).
 */
final class ConsoleFixture implements AutoCloseable {

    static final String OPERATOR = "olga";
    static final String OPERATOR_PASSWORD = "operator-password-1";
    static final String VIEWER = "victor";
    static final String VIEWER_PASSWORD = "viewer-password-1";
    static final String HOSTILE = "<script>window.pwned = true; alert('pwned')</script>";
    private static final OutboxWriter WRITER =
            new OutboxWriter(new JsonbPayloadSerializer(), OutboxSettings.defaults(), Clock.systemUTC());
    private static String users;
    /** The signing secrets and header values are sealed at rest, as in production. */
    static final String KEY = dev.ledgerbox.publisher.webhook.SecretBox.newKey("console-test-1");

    static final dev.ledgerbox.publisher.webhook.SecretBox SECRETS =
            dev.ledgerbox.publisher.webhook.SecretBox.of(KEY, false, "the test's key");

    final HttpServer receiver;
    final Publisher publisher;
    final Console console;
    final UUID okEndpoint;
    final UUID failingEndpoint;
    final io.micrometer.core.instrument.simple.SimpleMeterRegistry metrics =
            new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    final HttpClient http =
            HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    static DataSource db() {
        return EmbeddedDatabase.shared().dataSource();
    }

    static SqlRows sql() {
        return new SqlRows(db());
    }

    static synchronized String users() {
        if (users == null) {
            users = OPERATOR + ":operator:" + Passwords.hash(OPERATOR_PASSWORD.toCharArray()) + "," + VIEWER
                    + ":viewer:" + Passwords.hash(VIEWER_PASSWORD.toCharArray());
        }
        return users;
    }

    static void clear() throws SQLException {
        sql().execute("TRUNCATE webhook_attempt, webhook_delivery, webhook_message, webhook_replay, webhook_secret,"
                + " webhook_endpoint, outbox_event, outbox_aggregate, console_attempt_minute, console_event_minute"
                + " CASCADE");
        sql().execute("UPDATE console_rollup_state SET rolled_until = '-infinity'");
        sql().execute("ALTER TABLE audit_log DISABLE TRIGGER USER");
        sql().execute("DELETE FROM audit_log");
        sql().execute("ALTER TABLE audit_log ENABLE TRIGGER USER");
    }

    ConsoleFixture() throws Exception {
        clear();
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/ok", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.createContext("/failing", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = ("{\"error\":\"" + HOSTILE.replace("\"", "\\\"") + "\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("X-Receiver-Note", "<b>bold</b>");
            exchange.sendResponseHeaders(500, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        receiver.start();
        String base = "http://127.0.0.1:" + receiver.getAddress().getPort();
        WebhookEndpoints endpoints = new WebhookEndpoints(db(), SECRETS);
        okEndpoint = endpoints
                .add(EndpointSpec.builder(base + "/ok")
                        .eventTypes("order.*")
                        .allowPrivate(true)
                        .header("Authorization", "Bearer receiver-credential-never-shown")
                        .build())
                .endpoint()
                .id();
        failingEndpoint = endpoints
                .add(EndpointSpec.builder(base + "/failing")
                        .eventTypes("payment.*")
                        .allowPrivate(true)
                        .build())
                .endpoint()
                .id();
        for (int i = 1; i <= 3; i++) {
            write("order", Integer.toString(i), "order.created", Map.of("id", i, "total", 10 * i), "corr-" + i);
        }
        write("payment", "7", "payment.failed", Map.of("id", 7, "note", HOSTILE), "corr-7");
        audit("Order", "1", "INSERT", "{\"status\":{\"new\":\"NEW\"}}", "alice", "corr-0");
        audit(
                "Order",
                "1",
                "UPDATE",
                "{\"status\":{\"old\":\"NEW\",\"new\":\"PAID\"},\"cardNumber\":{\"old\":\"***\",\"new\":\"***\"}}",
                "alice",
                "corr-1");
        audit("Customer", "9", "UPDATE", "{\"email\":{\"old\":\"a@x.test\",\"new\":\"b@x.test\"}}", "bob", "corr-9");

        publisher = Publisher.builder(db(), publisherSettings()).build().start();
        Await.until("the failing delivery is dead and the others delivered", () -> {
            try {
                List<Map<String, Object>> rows =
                        sql().query("SELECT status, count(*) AS n FROM webhook_delivery GROUP BY status");
                Map<String, String> counts = new HashMap<>();
                rows.forEach(r -> counts.put((String) r.get("status"), (String) r.get("n")));
                return "3".equals(counts.get("DELIVERED")) && "1".equals(counts.get("DEAD"));
            } catch (SQLException e) {
                return false;
            }
        });
        console = Console.builder(db(), settings(Map.of()))
                .metrics(metrics)
                .secrets(SECRETS)
                .circuits(() -> publisher.webhooks().circuits())
                .endpointsChanged(() -> publisher.webhooks().refreshEndpoints())
                .build()
                .start();
    }

    static PublisherSettings publisherSettings() {
        EmbeddedDatabase db = EmbeddedDatabase.shared();
        Map<String, String> values = db.publisherSettings(
                "publisher.http.port",
                "-1",
                "publisher.poll-interval",
                "100ms",
                "publisher.webhook.retry-schedule",
                "50ms",
                "publisher.webhook.endpoint-refresh",
                "50ms",
                "publisher.secrets.keys",
                KEY);
        return PublisherSettings.from(values::get);
    }

    static ConsoleSettings settings(Map<String, String> overrides) {
        Map<String, String> values = new HashMap<>(Map.of(
                "publisher.console.port", "0",
                "publisher.console.users", users(),
                "publisher.console.refresh", "1s"));
        values.putAll(overrides);
        return ConsoleSettings.from(values::get);
    }

    static void write(String aggregateType, String id, String type, Object payload, String correlation)
            throws SQLException {
        try (Connection c = db().getConnection()) {
            WRITER.write(
                    c,
                    OutboxEvent.of(aggregateType, id, type, payload),
                    correlation,
                    new TraceContext("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", null),
                    () -> "test");
        }
    }

    static void audit(String type, String id, String operation, String diff, String actor, String correlation)
            throws SQLException {
        try (Connection c = db().getConnection();
                var ps = c.prepareStatement(
                        "INSERT INTO audit_log (occurred_at, entity_type, entity_id, operation, diff,"
                                + " actor_id, actor_name, correlation_id) VALUES (now(), ?, ?, ?, ?::jsonb, ?, ?, ?)")) {
            ps.setString(1, type);
            ps.setString(2, id);
            ps.setString(3, operation);
            ps.setString(4, diff);
            ps.setString(5, actor);
            ps.setString(6, actor.substring(0, 1).toUpperCase() + actor.substring(1));
            ps.setString(7, correlation);
            ps.executeUpdate();
        }
    }

    String url(String path) {
        return "http://127.0.0.1:" + console.port() + path;
    }

    // ---- HTTP as scripts and browsers do ------------------------------------------------------

    /** A response: status, body, and the body as JSON when it is JSON. */
    record Answer(int status, String body, HttpResponse<String> raw) {
        JsonNode json() {
            try {
                return Rows.JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    Answer get(String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).GET();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return answer(b);
    }

    Answer post(String path, String authorization, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return answer(b);
    }

    private Answer answer(HttpRequest.Builder b) throws Exception {
        HttpResponse<String> r =
                http.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body(), r);
    }

    /** A browser-like session: signs in with the form and keeps the cookie. */
    final class Browser {
        final HttpClient client = HttpClient.newBuilder()
                .cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        String csrf;

        Answer signIn(String user, String password) throws Exception {
            HttpResponse<String> r = client.send(
                    HttpRequest.newBuilder(URI.create(url("/login")))
                            .header("Content-Type", "application/x-www-form-urlencoded")
                            .POST(HttpRequest.BodyPublishers.ofString("user=" + user + "&password=" + password))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            Answer a = new Answer(r.statusCode(), r.body(), r);
            if (r.headers().firstValue("Location").orElse("").equals("/")) {
                csrf = get("/api/session").json().get("csrf").asText();
            }
            return a;
        }

        Answer get(String path) throws Exception {
            HttpResponse<String> r = client.send(
                    HttpRequest.newBuilder(URI.create(url(path))).GET().build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body(), r);
        }

        Answer post(String path, String json, String csrfToken) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path)))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json));
            if (csrfToken != null) {
                b.header("X-CSRF-Token", csrfToken);
            }
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body(), r);
        }
    }

    @Override
    public void close() {
        console.close();
        publisher.close();
        receiver.stop(0);
    }
}
