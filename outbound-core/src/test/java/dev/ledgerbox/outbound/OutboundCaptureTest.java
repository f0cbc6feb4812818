package dev.ledgerbox.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ledgerbox.outbox.Correlation;
import dev.ledgerbox.testing.EmbeddedDatabase;
import dev.ledgerbox.testing.FakeChargeApi;
import dev.ledgerbox.testing.FakeChargeApi.Fault;
import dev.ledgerbox.testing.SqlRows;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.LoggerFactory;

/**
 * The capture of {@code java.net.http} calls against a real HTTP server and a real PostgreSQL: one
 * request/response pair per wire attempt sharing the logical call's correlation id, the errors of
 * attempts that got no response, the idempotency key on every attempt, redaction, and rows that
 * survive a rolled-back transaction and an unreachable database.
 */
class OutboundCaptureTest {

    static final String CARD = "4242424242424242";
    static final String TOKEN = "sk_live_51Hx3gQ0secret";

    final DataSource db = EmbeddedDatabase.shared().dataSource();
    final SqlRows sql = new SqlRows(db);
    final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    FakeChargeApi provider;
    OutboundCapture capture;
    HttpClient http;

    @BeforeEach
    void setUp() throws Exception {
        sql.execute("TRUNCATE outbound_attempt");
        provider = FakeChargeApi.start(0).slowAnswer(Duration.ofMillis(1500));
        capture = OutboundCapture.builder(db)
                .destination(OutboundDestination.named("payments")
                        .idempotencyHeader("Idempotency-Key")
                        .requestIdHeader("Request-Id")
                        .redactFields("email"))
                .build();
        http = new CapturingHttpClient(HttpClient.newHttpClient(), capture, null);
        lines.start();
        ((Logger) LoggerFactory.getLogger("ledgerbox.outbound")).addAppender(lines);
    }

    @AfterEach
    void tearDown() throws Exception {
        ((Logger) LoggerFactory.getLogger("ledgerbox.outbound")).detachAppender(lines);
        capture.close();
        provider.close();
    }

    HttpRequest charge(String body) {
        return HttpRequest.newBuilder(provider.uri().resolve("/v1/charges"))
                .timeout(Duration.ofMillis(500))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    /** A hand-written retry loop: every turn is a wire attempt of the one logical call. */
    HttpResponse<String> chargeWithRetries(String key, int tries) throws Exception {
        try (OutboundCall call = capture.call("payments.charges.create", key)) {
            for (int i = 1; ; i++) {
                try {
                    HttpResponse<String> r = http.send(
                            charge("{\"amount\":4250,\"card_number\":\"" + CARD + "\",\"email\":\"ada@example.com\"}"),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() < 500 || i == tries) {
                        return r;
                    }
                } catch (IOException e) {
                    if (i == tries) {
                        throw e;
                    }
                }
            }
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyWireAttemptIsAPairUnderOneCorrelationIdWithTheErrorOfEachThatGotNoResponse() throws Exception {
        provider.next(Fault.ERROR, Fault.DROP);

        HttpResponse<String> last;
        try (Correlation.Scope origin = Correlation.open("req-checkout-7")) {
            last = chargeWithRetries("order-42", 4);
        }

        // attempt 2 charged, then its connection closed without an answer: attempt 3 answers 409
        assertThat(last.statusCode()).isEqualTo(409);
        assertThat(provider.charges()).containsOnlyKeys("payments.charges.create:order-42");
        assertThat(provider.received())
                .extracting(r -> r.header("Idempotency-Key"))
                .containsExactly(
                        "payments.charges.create:order-42",
                        "payments.charges.create:order-42",
                        "payments.charges.create:order-42");
        assertThat(capture.flush(Duration.ofSeconds(10))).isTrue();
        List<Map<String, Object>> rows = sql.query("SELECT correlation_id, call_key, destination, attempt, transport,"
                + " request_method, idempotency_key, response_status, error_code, error_class, provider_request_id,"
                + " origin_correlation_id, duration_ms, responded_at IS NOT NULL AS ended, request_body_sha256"
                + " FROM outbound_attempt ORDER BY attempt");
        assertThat(rows).hasSize(3);
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.get("correlation_id")).isEqualTo("payments.charges.create:order-42");
            assertThat(r.get("call_key")).isEqualTo("order-42");
            assertThat(r.get("destination")).isEqualTo("payments.charges.create");
            assertThat(r.get("transport")).isEqualTo("http-client");
            assertThat(r.get("request_method")).isEqualTo("POST");
            assertThat(r.get("idempotency_key")).isEqualTo("payments.charges.create:order-42");
            assertThat(r.get("origin_correlation_id")).isEqualTo("req-checkout-7");
            assertThat(r.get("ended")).isEqualTo("true");
            assertThat((String) r.get("request_body_sha256")).hasSize(64);
        });
        assertThat(rows).extracting(r -> r.get("attempt")).containsExactly("1", "2", "3");
        assertThat(rows).extracting(r -> r.get("response_status")).containsExactly("500", null, "409");
        assertThat(rows).extracting(r -> r.get("error_code")).containsExactly(null, "no_response", null);
        assertThat(rows.get(0).get("provider_request_id")).isEqualTo("req_1");
        assertThat(rows.get(2).get("provider_request_id")).isEqualTo("req_3");

        // the lines: a request and a response per attempt, in order, on the caller's thread
        assertThat(lines.list)
                .extracting(e -> fields(e).get("phase"))
                .containsExactly("request", "response", "request", "response", "request", "response");
        Map<String, Object> response = fields(lines.list.get(3));
        assertThat(response)
                .containsEntry("audit", "outbound_attempt")
                .containsEntry("audit_version", 2)
                .containsEntry("correlation_id", "payments.charges.create:order-42")
                .containsEntry("attempt", 2)
                .containsEntry("destination", "payments.charges.create")
                .containsEntry("error_code", "no_response")
                .containsEntry("status", null);
        assertThat((Map<String, Object>) response.get("origin")).containsEntry("correlation_id", "req-checkout-7");
        assertThat(lines.list.get(0).getFormattedMessage())
                .startsWith("boundary_audit request phase=request destination=payments.charges.create attempt=1 POST");
    }

    @Test
    void anAttemptThatTimedOutIsRecordedWithItsErrorAndTheRetryFindsTheChargeMade() throws Exception {
        provider.next(Fault.TIMEOUT);

        assertThat(chargeWithRetries("order-46", 2).statusCode()).isEqualTo(409);

        assertThat(capture.flush(Duration.ofSeconds(10))).isTrue();
        List<Map<String, Object>> rows = sql.query("SELECT attempt, response_status, error_code, error_class,"
                + " error_message, duration_ms FROM outbound_attempt ORDER BY attempt");
        assertThat(rows).extracting(r -> r.get("error_code")).containsExactly("timeout", null);
        assertThat(rows).extracting(r -> r.get("response_status")).containsExactly(null, "409");
        assertThat(rows.get(0).get("error_class")).isEqualTo(HttpTimeoutException.class.getName());
        assertThat(rows.get(0).get("error_message")).isEqualTo("request timed out");
        assertThat(Integer.parseInt((String) rows.get(0).get("duration_ms"))).isGreaterThanOrEqualTo(450);
    }

    @Test
    void credentialsCardNumbersAndConfiguredFieldsAreNeitherStoredNorLogged() throws Exception {
        try (OutboundCall call = capture.call("payments.charges.create", "order-43")) {
            http.send(
                    charge("{\"amount\":1,\"card\":{\"card_number\":\"" + CARD + "\"},\"email\":\"ada@example.com\"}"),
                    HttpResponse.BodyHandlers.ofString());
        }
        HttpResponse<String> keyInQuery = http.send(
                HttpRequest.newBuilder(provider.uri().resolve("/v1/charges?api_key=" + TOKEN + "&currency=eur"))
                        .header("Cookie", "session=" + TOKEN)
                        .POST(HttpRequest.BodyPublishers.ofString("amount=1&card_number=" + CARD))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(keyInQuery.statusCode()).isEqualTo(200);
        assertThat(capture.flush(Duration.ofSeconds(10))).isTrue();

        String everything = sql.query("SELECT * FROM outbound_attempt").toString();
        StringBuilder logged = new StringBuilder();
        lines.list.forEach(e -> logged.append(e.getFormattedMessage()).append(fields(e)));
        for (String stored : List.of(everything, logged.toString())) {
            assertThat(stored)
                    .doesNotContain(CARD)
                    .doesNotContain(TOKEN)
                    .doesNotContain("ada@example.com")
                    .contains("[redacted]")
                    .contains("\"amount\"")
                    .contains("currency=eur");
        }
        assertThat(provider.received().get(0).body()).contains(CARD); // the wire itself is untouched
        assertThat(sql.query("SELECT destination FROM outbound_attempt ORDER BY requested_at"))
                .extracting(r -> r.get("destination"))
                .containsExactly("payments.charges.create", "127.0.0.1");
    }

    @Test
    void theRowsSurviveTheRollbackOfTheBusinessTransactionThatMadeTheCall() throws Exception {
        try (Connection business = db.getConnection()) {
            business.setAutoCommit(false);
            business.createStatement().execute("CREATE TEMP TABLE IF NOT EXISTS shop_charge (id int)");
            try (OutboundCall call = capture.call("payments.charges.create", "order-44")) {
                http.send(charge("{\"amount\":1}"), HttpResponse.BodyHandlers.ofString());
            }
            assertThat(capture.flush(Duration.ofSeconds(10))).isTrue();
            business.rollback();
        }
        assertThat(sql.query("SELECT response_status FROM outbound_attempt WHERE call_key = 'order-44'"))
                .extracting(r -> r.get("response_status"))
                .containsExactly("200");
    }

    @Test
    void anUnreachableDatabaseNeitherBreaksNorDelaysTheCallAndTheLinesAreStillWritten() throws Exception {
        PGSimpleDataSource down = new PGSimpleDataSource();
        down.setURL("jdbc:postgresql://127.0.0.1:" + freePort() + "/postgres?connectTimeout=1");
        down.setUser("postgres");
        try (OutboundCapture offline = OutboundCapture.builder(down)
                .destination(OutboundDestination.named("payments").idempotencyHeader("Idempotency-Key"))
                .queueCapacity(1) // one row may wait in the queue, one attempt in the writer's hands
                .build()) {
            HttpClient client = new CapturingHttpClient(HttpClient.newHttpClient(), offline, "payments");
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> r =
                        client.send(charge("{\"amount\":" + i + "}"), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
            }
            assertThat(offline.droppedRows()).isPositive(); // a full queue drops, never blocks
        }
        assertThat(lines.list).hasSize(10);
        assertThat(provider.received()).hasSize(5);
        assertThat(provider.received())
                .extracting(r -> r.header("Idempotency-Key"))
                .doesNotHaveDuplicates();
    }

    @Test
    void callsWithoutAKeyGetAGeneratedCorrelationIdAndBadNamesAreRefusedByName() throws Exception {
        try (OutboundCall call = capture.call("payments.refunds")) {
            http.send(charge("{}"), HttpResponse.BodyHandlers.ofString());
            http.send(charge("{}"), HttpResponse.BodyHandlers.ofString());
            assertThat(call.attempts()).isEqualTo(2);
        }
        assertThat(capture.flush(Duration.ofSeconds(10))).isTrue();
        List<Map<String, Object>> rows =
                sql.query("SELECT correlation_id, call_key, attempt FROM outbound_attempt ORDER BY attempt");
        assertThat(rows).extracting(r -> r.get("attempt")).containsExactly("1", "2");
        assertThat(rows.get(0).get("correlation_id")).isEqualTo(rows.get(1).get("correlation_id"));
        assertThat((String) rows.get(0).get("correlation_id")).hasSize(36);
        assertThat(provider.received())
                .extracting(r -> r.header("Idempotency-Key"))
                .containsOnly((String) rows.get(0).get("correlation_id"));

        assertThatThrownBy(() -> capture.call("payments charges", "k")).hasMessageContaining("'payments charges'");
        assertThatThrownBy(() -> capture.call("payments", "order\n42")).hasMessageContaining("control characters");
        assertThatThrownBy(() -> OutboundDestination.named("payments").idempotencyHeader("Idempotency Key"))
                .hasMessageContaining("not an HTTP header name: 'Idempotency Key'");
    }

    @Test
    void aRefusedConnectionIsAnAttemptWithItsError() throws Exception {
        HttpRequest refused = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + freePort() + "/v1/charges"))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build();
        try (OutboundCall call = capture.call("payments.charges.create", "order-45")) {
            assertThatThrownBy(() -> http.send(refused, HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(IOException.class);
        }
        assertThat(capture.flush(Duration.ofSeconds(10))).isTrue();
        assertThat(sql.query("SELECT error_code, response_status, attempt FROM outbound_attempt"))
                .containsExactly(row("error_code", "connection_refused", "response_status", null, "attempt", "1"));
    }

    @Test
    void timesAreStoredToTheMicrosecondAndManyCallsBecomeCompleteRows() throws Exception {
        Instant at = Instant.parse("2026-12-02T16:14:21.123456Z");
        try (OutboundCapture fixed = OutboundCapture.builder(db)
                .clock(Clock.fixed(at, ZoneOffset.UTC))
                .batchSize(7) // many batches, the last one short
                .build()) {
            HttpClient client = new CapturingHttpClient(HttpClient.newHttpClient(), fixed, "payments");
            for (int i = 0; i < 30; i++) {
                try (OutboundCall call = fixed.call("payments.charges.create", "order-" + i)) {
                    client.send(charge("{}"), HttpResponse.BodyHandlers.ofString());
                }
            }
            assertThat(fixed.flush(Duration.ofSeconds(10))).isTrue();
        }
        assertThat(sql.query("SELECT count(*) AS n, count(DISTINCT call_key) AS keys, bool_and(requested_at"
                        + " = timestamptz '2026-12-02 16:14:21.123456+00' AND responded_at = requested_at) AS exact"
                        + " FROM outbound_attempt WHERE response_status = 200"))
                .containsExactly(row("n", "30", "keys", "30", "exact", "true"));
    }

    static Map<String, Object> row(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    static Map<String, Object> fields(ILoggingEvent e) {
        Map<String, Object> f = new HashMap<>();
        e.getKeyValuePairs().forEach(kv -> f.put(kv.key, kv.value));
        return f;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
