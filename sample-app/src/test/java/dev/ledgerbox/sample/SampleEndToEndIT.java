package dev.ledgerbox.sample;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ledgerbox.publisher.PublisherSettings;
import dev.ledgerbox.publisher.app.Daemon;
import dev.ledgerbox.publisher.outbox.LogSink;
import dev.ledgerbox.publisher.webhook.EndpointSpec;
import dev.ledgerbox.publisher.webhook.SecretBox;
import dev.ledgerbox.publisher.webhook.WebhookEndpoints;
import dev.ledgerbox.testing.DocSql;
import dev.ledgerbox.testing.EmbeddedDatabase;
import dev.ledgerbox.testing.FakeChargeApi;
import dev.ledgerbox.testing.SqlRows;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The sample shop on a real Open Liberty (started by the build with the repository's
 * server.xml), a real PostgreSQL, the publisher and a webhook receiver: an order placed and paid
 * over HTTP becomes business rows, audit diffs, outbox events, log lines and signed webhooks, all
 * with the request's correlation id; a refused request leaves nothing.
 */
class SampleEndToEndIT {

    static EmbeddedDatabase db;
    static SqlRows sql;
    static WebhookInbox inbox;
    static Daemon publisher;
    static FakePaymentProvider payments;
    static ListAppender<ILoggingEvent> eventLines = new ListAppender<>();
    static final HttpClient http = HttpClient.newHttpClient();
    static String api;
    /** The signing secrets are sealed at rest in this run, as in production. */
    static final String KEY = SecretBox.newKey("e2e-1");

    static final SecretBox SECRETS = SecretBox.of(KEY, false, "the test's key");

    @BeforeAll
    static void start() throws Exception {
        db = EmbeddedDatabase.shared(); // on the port the server's data source was given
        SampleLauncher.migrate(db.dataSource());
        sql = new SqlRows(db.dataSource());
        inbox = new WebhookInbox(0, null);
        var endpoint = new WebhookEndpoints(db.dataSource(), SECRETS)
                .add(EndpointSpec.builder(inbox.url())
                        .eventTypes("order.*", "member.*")
                        .allowPrivate(true)
                        .build());
        inbox.verifyWith(endpoint.secret().reveal());

        Logger events = (Logger) LoggerFactory.getLogger("ledgerbox.events");
        eventLines.start();
        events.addAppender(eventLines);
        Map<String, String> settings = db.publisherSettings(
                "publisher.http.port", "-1", "publisher.poll-interval", "200ms", "publisher.secrets.keys", KEY);
        publisher = new Daemon(PublisherSettings.from(settings::get), new LogSink(false)).start();

        api = "http://localhost:" + System.getProperty("sample.http.port", "9080") + "/api/";
        // where the shop's configuration sends its charges (payments/mp-rest/url)
        payments = new FakePaymentProvider(8090, URI.create(api + "webhooks/payments"), System.out);
        await("the shop answers", () -> status(send("GET", "orders/0", null, "e2e-ping")) == 404);
    }

    @AfterAll
    static void stop() {
        if (publisher != null) {
            publisher.close();
        }
        if (inbox != null) {
            inbox.close();
        }
        if (payments != null) {
            payments.close();
        }
    }

    @Test
    void anOrderPlacedAndPaidIsRecordedAuditedPublishedLoggedAndDelivered() throws Exception {
        HttpResponse<String> placed = send("POST", "orders", "{\"customer\":\"ada\",\"total\":42.50}", "e2e-place");
        assertThat(placed.statusCode()).as(placed.body()).isEqualTo(201);
        assertThat(placed.headers().firstValue("X-Request-Id")).hasValue("e2e-place");
        String id = field(placed.body(), "id");

        HttpResponse<String> paid = send("POST", "orders/" + id + "/pay", "", "e2e-pay");
        assertThat(paid.statusCode()).as(paid.body()).isEqualTo(200);
        assertThat(paid.body()).contains("\"status\":\"PAID\"");

        assertThat(sql.query("SELECT customer, total, status FROM shop_order WHERE id = ?", Long.parseLong(id)))
                .containsExactly(Map.of("customer", "ada", "total", "42.50", "status", "PAID"));
        assertThat(sql.query(
                        "SELECT action, actor_id, correlation_id, diff -> 'status' ->> 'old' AS old_status,"
                                + " diff -> 'status' ->> 'new' AS new_status FROM audit_log"
                                + " WHERE entity_type = 'ShopOrder' AND entity_id = ? AND correlation_id = 'e2e-pay'",
                        id))
                .containsExactly(Map.of(
                        "action", "order.paid",
                        "actor_id", "alice",
                        "correlation_id", "e2e-pay",
                        "old_status", "NEW",
                        "new_status", "PAID"));
        // what the README's audit query shows for an order placed then paid: two rows
        assertThat(sql.query(
                        "SELECT action, actor_id, correlation_id, diff::text AS diff FROM audit_log"
                                + " WHERE entity_type = 'ShopOrder' AND entity_id = ? ORDER BY id",
                        id))
                .extracting(r -> r.get("action") + " | " + r.get("actor_id") + " | " + r.get("correlation_id") + " | "
                        + r.get("diff"))
                .containsExactly(
                        "null | alice | e2e-place | {\"total\": {\"new\": 42.50}, \"status\": {\"new\": \"NEW\"},"
                                + " \"customer\": {\"new\": \"ada\"}}",
                        "order.paid | alice | e2e-pay | {\"status\": {\"new\": \"PAID\", \"old\": \"NEW\"}}");
        // and GET /api/orders lists it
        HttpResponse<String> listed = send("GET", "orders", null, "e2e-list");
        assertThat(listed.statusCode()).isEqualTo(200);
        assertThat(listed.body()).contains("\"id\":" + id + ",");
        List<Map<String, Object>> events = sql.query(
                "SELECT id, type, correlation_id FROM outbox_event"
                        + " WHERE aggregatetype = 'order' AND aggregateid = ? ORDER BY aggregate_seq",
                id);
        assertThat(events).extracting(e -> e.get("type")).containsExactly("order.placed", "order.paid");
        assertThat(events).extracting(e -> e.get("correlation_id")).containsExactly("e2e-place", "e2e-pay");
        String paidEventId = (String) events.get(1).get("id");

        await(
                "both webhooks arrive",
                () -> inbox.received().stream()
                                .filter(r -> r.body().contains("\"id\": " + id)
                                        || r.body().contains("\"id\":" + id))
                                .count()
                        >= 2);
        WebhookInbox.Received webhook = inbox.received().stream()
                .filter(r -> paidEventId.equals(r.header("webhook-id")))
                .findFirst()
                .orElseThrow();
        assertThat(webhook.verified())
                .as("signature verified by the Standard Webhooks library")
                .isTrue();
        assertThat(webhook.header("x-correlation-id")).isEqualTo("e2e-pay");
        assertThat(webhook.body()).startsWith("{\"type\":\"order.paid\"");

        await("the log line", () -> eventLines.list.stream()
                .anyMatch(e -> paidEventId.equals(e.getMDCPropertyMap().get("event_id"))));
        ILoggingEvent line = eventLines.list.stream()
                .filter(e -> paidEventId.equals(e.getMDCPropertyMap().get("event_id")))
                .findFirst()
                .orElseThrow();
        assertThat(line.getMDCPropertyMap()).containsEntry("correlation_id", "e2e-pay");
        assertThat(line.getFormattedMessage()).contains("outbox event published", "order.paid");
        await(
                "the delivery is recorded",
                () -> rows("SELECT 1 FROM webhook_delivery WHERE event_id = '" + paidEventId
                                + "' AND status = 'DELIVERED'")
                        == 1);
    }

    /**
     * The payment provider's webhooks through the shop's inbox: a signed delivery processed once and
     * its duplicate answered from the stored response; a forged signature and malformed JSON refused
     * and captured; a broken write (its table moved away by a bad migration) answered 500 and kept,
     * found by the runbook's query, replayed through the same handler once fixed; and the provider's
     * own retried delivery.
     */
    @Test
    void thePaymentProvidersWebhooksAreCapturedOnceRefusedWhenBadAndReplayedAfterABrokenWrite() throws Exception {
        String first = field(
                send("POST", "orders", "{\"customer\":\"bob\",\"total\":19.99}", "e2e-in-1")
                        .body(),
                "id");
        String second = field(
                send("POST", "orders", "{\"customer\":\"cy\",\"total\":5.00}", "e2e-in-2")
                        .body(),
                "id");
        try (FakePaymentProvider provider =
                new FakePaymentProvider(0, URI.create(api + "webhooks/payments"), System.out)) {
            String body = FakePaymentProvider.paymentSucceeded(Long.parseLong(first), "19.99");
            HttpResponse<String> paid = provider.deliver("msg_e2e_1", body);
            HttpResponse<String> again = provider.deliver("msg_e2e_1", body);

            assertThat(paid.statusCode()).as(paid.body()).isEqualTo(200);
            assertThat(paid.body()).contains("\"status\":\"PAID\"");
            assertThat(again.statusCode()).isEqualTo(200);
            assertThat(again.body()).isEqualTo(paid.body());
            assertThat(sql.query("SELECT status FROM shop_order WHERE id = ?", Long.parseLong(first)))
                    .containsExactly(Map.of("status", "PAID"));
            assertThat(sql.query("SELECT status FROM inbox_message WHERE idempotency_key = 'msg_e2e_1' ORDER BY id"))
                    .extracting(r -> r.get("status"))
                    .containsExactly("PROCESSED", "DUPLICATE");
            // one join from the provider's delivery to the change it made
            assertThat(sql.query("SELECT a.action, a.diff -> 'status' ->> 'new' AS new_status FROM inbox_message m"
                            + " JOIN audit_log a ON a.correlation_id = m.correlation_id"
                            + " WHERE m.idempotency_key = 'msg_e2e_1' AND m.status = 'PROCESSED'"
                            + " AND a.entity_type = 'ShopOrder'"))
                    .containsExactly(Map.of("action", "order.paid-by-provider", "new_status", "PAID"));

            HttpResponse<String> forged = send(provider.signed("msg_e2e_forged", body)
                    .setHeader("webhook-signature", "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
            HttpResponse<String> malformed = provider.deliver("msg_e2e_bad", "{\"type\": \"payment.succ");
            assertThat(forged.statusCode()).isEqualTo(401);
            assertThat(malformed.statusCode()).isEqualTo(400);
            assertThat(sql.query("SELECT idempotency_key, status FROM inbox_message"
                            + " WHERE status IN ('INVALID_SIGNATURE', 'INVALID') ORDER BY id"))
                    .extracting(r -> r.get("status"))
                    .containsExactly("INVALID_SIGNATURE", "INVALID");

            sql.execute("ALTER TABLE shop_payment RENAME TO shop_payment_moved"); // a bad migration
            HttpResponse<String> broken =
                    provider.deliver("msg_e2e_2", FakePaymentProvider.paymentSucceeded(Long.parseLong(second), "5.00"));
            sql.execute("ALTER TABLE shop_payment_moved RENAME TO shop_payment"); // its fix
            assertThat(broken.statusCode()).isEqualTo(500);
            await( // the answer does not wait for the outcome's row, written a moment later
                    "the failure is recorded",
                    () -> rows("SELECT 1 FROM inbox_message WHERE idempotency_key = 'msg_e2e_2' AND status = 'FAILED'")
                            == 1);
            assertThat(sql.query("SELECT status FROM shop_order WHERE id = ?", Long.parseLong(second)))
                    .containsExactly(Map.of("status", "NEW"));
            List<String> runbook = runbookQueries("<!-- inbound-recovery:start -->", "<!-- inbound-recovery:end -->");
            assertThat(sql.query(runbook.get(0))).singleElement().satisfies(r -> assertThat(r)
                    .containsEntry("source", "payments")
                    .containsEntry("messages", "1"));
            assertThat(sql.query(runbook.get(1))).singleElement().satisfies(r -> assertThat(r)
                    .containsEntry("idempotency_key", "msg_e2e_2")
                    .containsEntry("status", "FAILED"));

            int replay = dev.ledgerbox.publisher.app.Cli.commandLine()
                    .execute(
                            "inbox",
                            "replay",
                            "--jdbc-url",
                            db.jdbcUrl(),
                            "--user",
                            db.user(),
                            "--source",
                            "payments",
                            "--reason",
                            "shop_payment is back",
                            "--by",
                            "e2e");
            assertThat(replay).isZero();
            await(
                    "the shop's background processing replays it",
                    () -> rows("SELECT 1 FROM shop_order WHERE id = " + second + " AND status = 'PAID'") == 1);
            assertThat(sql.query(runbook.get(1))).isEmpty();

            HttpResponse<String> asked = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://localhost:" + provider.port() + "/pay"))
                                    .POST(HttpRequest.BodyPublishers.ofString(
                                            "{\"order\": " + second + ", \"amount\": 5.00}"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(asked.statusCode()).isEqualTo(202);
            String webhookId = field(asked.body(), "webhook_id");
            await(
                    "the provider's own delivery is processed",
                    () -> rows("SELECT 1 FROM inbox_message WHERE" + " idempotency_key = '" + webhookId
                                    + "' AND status = 'PROCESSED'")
                            == 1);
        }
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> runbookQueries(String from, String to) throws java.io.IOException {
        return DocSql.blocks("runbooks.md", from, to);
    }

    @Test
    void payingCallsTheProviderOnceACallWithEveryWireAttemptRecordedAndTheRunbookAnswers() throws Exception {
        FakeChargeApi provider = payments.charges();
        String id = field(
                send("POST", "orders", "{\"customer\":\"dee\",\"total\":12.00}", "e2e-charge")
                        .body(),
                "id");
        String key = "payments.charges.create:order-" + id;
        // 500, then charged but the answer never comes (a timeout), then 409 on the repeated key
        provider.next(FakeChargeApi.Fault.ERROR, FakeChargeApi.Fault.TIMEOUT);

        HttpResponse<String> paid = send("POST", "orders/" + id + "/pay", "", "e2e-charge-pay");

        assertThat(paid.statusCode()).as(paid.body()).isEqualTo(502);
        assertThat(paid.body()).contains("the payment provider answered 409");
        List<FakeChargeApi.Received> received = provider.received().stream()
                .filter(r -> key.equals(r.header("Idempotency-Key")))
                .toList();
        assertThat(received).hasSize(3); // the key reached the provider on every attempt
        assertThat(provider.charges()).containsKey(key);

        await(
                "three ended attempts",
                () -> rows("SELECT 1 FROM outbound_attempt WHERE correlation_id = '" + key
                                + "' AND responded_at IS NOT NULL")
                        == 3);
        List<Map<String, Object>> attempts = sql.query(
                "SELECT attempt, transport, response_status, error_code,"
                        + " error_class, origin_correlation_id, request_headers ->> 'Idempotency-Key' AS sent_key"
                        + " FROM outbound_attempt WHERE correlation_id = ? ORDER BY attempt",
                key);
        assertThat(attempts).extracting(a -> a.get("attempt")).containsExactly("1", "2", "3");
        assertThat(attempts).extracting(a -> a.get("response_status")).containsExactly("500", null, "409");
        assertThat(attempts).extracting(a -> a.get("error_code")).containsExactly(null, "timeout", null);
        assertThat(attempts).allSatisfy(a -> {
            assertThat(a.get("transport")).isEqualTo("jaxrs");
            assertThat(a.get("sent_key")).isEqualTo(key);
            assertThat(a.get("origin_correlation_id")).isEqualTo("e2e-charge-pay");
        });
        assertThat(attempts.get(1).get("error_class")).isEqualTo("java.net.SocketTimeoutException");
        assertThat(sql.query("SELECT status FROM shop_order WHERE id = ?", Long.parseLong(id)))
                .containsExactly(Map.of("status", "NEW"));

        // the runbook, as written, for this order: every attempt in order, and the verdict
        List<String> lookup = runbookQueries("<!-- outbound-lookup:start -->", "<!-- outbound-lookup:end -->");
        List<Map<String, Object>> trail = sql.query(lookup.get(0).replace(":order-42'", ":order-" + id + "'"));
        assertThat(trail).extracting(r -> r.get("attempt")).containsExactly("1", "2", "3");
        assertThat(trail.get(1).get("error_code")).isEqualTo("timeout");
        assertThat((String) trail.get(2).get("response")).contains("idempotency key already used");
        assertThat(sql.query(lookup.get(1).replace(":order-42'", ":order-" + id + "'")))
                .singleElement()
                .satisfies(v -> {
                    assertThat(v.get("attempts")).isEqualTo("3");
                    assertThat((String) v.get("verdict")).startsWith("maybe charged");
                });

        // the outbound canary counts them
        String canary = runbookQueries("<!-- outbound-canary:start -->", "<!-- outbound-canary:end -->")
                .get(0);
        assertThat(sql.query(canary))
                .filteredOn(r -> "payments.charges.create".equals(r.get("destination")))
                .singleElement()
                .satisfies(r ->
                        assertThat(Long.parseLong((String) r.get("attempts"))).isGreaterThanOrEqualTo(3));
    }

    @Test
    void aRefusedRequestLeavesNoTraceInAnyTable() throws Exception {
        String id = field(
                send("POST", "orders", "{\"customer\":\"bob\",\"total\":10}", "e2e-bob")
                        .body(),
                "id");
        assertThat(send("POST", "orders/" + id + "/cancel", "", "e2e-cancel").statusCode())
                .isEqualTo(200);

        HttpResponse<String> refused = send("POST", "orders/" + id + "/pay", "", "e2e-refused");
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(refused.body()).contains("only a NEW order can be paid");
        HttpResponse<String> invalid = send("POST", "orders", "{\"customer\":\"eve\",\"total\":-1}", "e2e-invalid");
        assertThat(invalid.statusCode()).isEqualTo(409);

        for (String correlation : List.of("e2e-refused", "e2e-invalid")) {
            assertThat(rows("SELECT 1 FROM audit_log WHERE correlation_id = '" + correlation + "'"))
                    .isZero();
            assertThat(rows("SELECT 1 FROM outbox_event WHERE correlation_id = '" + correlation + "'"))
                    .isZero();
            assertThat(rows("SELECT 1 FROM webhook_message WHERE correlation_id = '" + correlation + "'"))
                    .isZero();
        }
        assertThat(rows("SELECT 1 FROM shop_order WHERE customer = 'eve'")).isZero();
        assertThat(sql.query("SELECT status FROM shop_order WHERE id = ?", Long.parseLong(id)))
                .containsExactly(Map.of("status", "CANCELLED"));
    }

    @Test
    void aMembersRoleChangeThroughTheTransactionalCdiBeanIsAudited() throws Exception {
        HttpResponse<String> invited = send(
                "POST", "members", "{\"email\":\"grace@example.com\",\"phone\":\"+44 20 7946 0000\"}", "e2e-invite");
        assertThat(invited.statusCode()).as(invited.body()).isEqualTo(200);
        String id = field(invited.body(), "id");
        assertThat(send("PUT", "members/" + id + "/role", "{\"role\":\"ADMIN\"}", "e2e-promote")
                        .statusCode())
                .isEqualTo(200);

        assertThat(sql.query(
                        "SELECT action, diff -> 'role' ->> 'old' AS old_role, diff -> 'role' ->> 'new' AS new_role"
                                + " FROM audit_log WHERE entity_type = 'Member' AND entity_id = ? AND correlation_id = 'e2e-promote'",
                        id))
                .containsExactly(Map.of("action", "member.role_changed", "old_role", "MEMBER", "new_role", "ADMIN"));
        assertThat(sql.query(
                        "SELECT diff -> 'phone' ->> 'new' AS phone FROM audit_log"
                                + " WHERE entity_type = 'Member' AND entity_id = ? AND correlation_id = 'e2e-invite'",
                        id))
                .as("the phone number is masked")
                .containsExactly(Map.of("phone", "***"));
    }

    @Test
    void theDailyCanaryOfTheRunbooksFindsNothingMissingAndCatchesAnEventWithoutItsAudit() throws Exception {
        WebhookInbox second = new WebhookInbox(0, null);
        var secondEndpoint = new WebhookEndpoints(db.dataSource(), SECRETS)
                .add(EndpointSpec.builder(second.url())
                        .eventTypes("order.*")
                        .allowPrivate(true)
                        .build());
        second.verifyWith(secondEndpoint.secret().reveal());
        String id = field(
                send("POST", "orders", "{\"customer\":\"cy\",\"total\":5}", "e2e-canary")
                        .body(),
                "id");
        send("POST", "orders/" + id + "/pay", "", "e2e-canary-pay");
        await(
                "the events are delivered",
                () -> rows("SELECT 1 FROM outbox_event WHERE aggregateid = '" + id + "' AND status = 'DELIVERED'")
                        == 2);

        String canary =
                runbookQueries("<!-- canary:start -->", "<!-- canary:end -->").get(0);

        Map<String, Object> counts = sql.query(canary).get(0);
        assertThat(Long.parseLong((String) counts.get("audited_transactions"))).isGreaterThanOrEqualTo(2);
        assertThat(Long.parseLong((String) counts.get("events"))).isGreaterThanOrEqualTo(2);
        assertThat(counts)
                .containsEntry("missing_events", "0")
                .containsEntry("missing_audit", "0")
                .containsEntry("missing_deliveries", "0")
                .containsEntry("stuck_events", "0")
                .containsEntry("stuck_deliveries", "0");

        // one of the two deliveries of an event missing (a bug in routing would do it) is caught
        await(
                "both endpoints got the order's deliveries",
                () -> rows("SELECT 1 FROM webhook_delivery d"
                                + " JOIN webhook_message m USING (event_id) WHERE m.aggregateid = '" + id + "'"
                                + " AND d.status = 'DELIVERED'")
                        == 4);
        String lost = "(SELECT d.id FROM webhook_delivery d JOIN webhook_message m USING (event_id)"
                + " WHERE m.aggregateid = '" + id + "' AND d.endpoint_id = '"
                + secondEndpoint.endpoint().id()
                + "' AND m.type = 'order.paid')";
        sql.execute("DELETE FROM webhook_attempt WHERE delivery_id = " + lost);
        sql.execute("DELETE FROM webhook_delivery WHERE id = " + lost);
        try {
            assertThat(sql.query(canary).get(0)).containsEntry("missing_deliveries", "1");
        } finally {
            new WebhookEndpoints(db.dataSource(), SECRETS)
                    .disable(secondEndpoint.endpoint().id(), "test over");
            second.close();
        }

        // an event written by hand, with no audited change behind it, is caught
        sql.execute("INSERT INTO outbox_event (id, aggregatetype, aggregateid, type, payload, aggregate_seq,"
                + " occurred_at, status) VALUES (gen_random_uuid(), 'order', 'by-hand', 'order.fixed', '{}', 1, now(),"
                + " 'DEAD')");
        try {
            assertThat(sql.query(canary).get(0)).containsEntry("missing_audit", "1");
        } finally {
            sql.execute("DELETE FROM outbox_event WHERE aggregateid = 'by-hand'");
        }
    }

    private static HttpResponse<String> send(String method, String path, String json, String requestId) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api + path))
                    .timeout(Duration.ofSeconds(30))
                    .header("X-Request-Id", requestId)
                    .header("X-Actor", "alice")
                    .header("Content-Type", "application/json");
            b.method(
                    method,
                    json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            return null;
        }
    }

    private static int status(HttpResponse<String> response) {
        return response == null ? -1 : response.statusCode();
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\"?([^,\"}]+)").matcher(json);
        assertThat(m.find()).as("%s in %s", name, json).isTrue();
        return m.group(1);
    }

    private static int rows(String query) {
        try {
            return sql.query(query).size();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(100);
        }
    }
}
