package dev.ledgerbox.inbox.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.standardwebhooks.Webhook;
import dev.ledgerbox.inbox.Inbox;
import dev.ledgerbox.testing.Await;
import dev.ledgerbox.testing.EmbeddedDatabase;
import dev.ledgerbox.testing.Libraries;
import dev.ledgerbox.testing.SqlRows;
import dev.ledgerbox.testing.TestApplications;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.container.annotation.ArquillianTest;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The JAX-RS chokepoint on Open Liberty, driven over HTTP as a provider drives it: capture before
 * the write, duplicates, signatures, bad input, failure then fix then replay, asynchronous
 * processing on the container's managed executor, and a message a dead request left behind.
 */
@ArquillianTest
class InboxOverHttpIT {

    static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    @Deployment(testable = false)
    static WebArchive deployment() {
        return TestApplications.of("inbox-http", "ledgerbox-inbox-core.jar")
                .addClasses(
                        PaymentsApplication.class,
                        PaymentsResource.class,
                        Payments.class,
                        PaymentHandlers.class,
                        PaymentHandlers.Async.class,
                        PaymentHandlers.Replays.class,
                        BrokenResource.class)
                .addAsLibraries(Libraries.of(dev.ledgerbox.outbox.Outbox.class))
                .addAsLibraries(Libraries.of(dev.ledgerbox.publisher.engine.WorkEngine.class))
                .addAsLibraries(Libraries.of(com.fasterxml.jackson.databind.ObjectMapper.class))
                .addAsLibraries(Libraries.of(com.fasterxml.jackson.core.JsonParser.class))
                .addAsLibraries(Libraries.of(com.fasterxml.jackson.annotation.JsonProperty.class))
                .addAsLibraries(Libraries.of(io.micrometer.core.instrument.MeterRegistry.class))
                .addAsLibraries(Libraries.of(org.HdrHistogram.Histogram.class))
                .addAsLibraries(Libraries.of(org.LatencyUtils.PauseDetector.class))
                .addAsLibraries(Libraries.of(org.slf4j.Logger.class));
    }

    @ArquillianResource
    URL base;

    final HttpClient http = HttpClient.newHttpClient();
    final SqlRows sql = new SqlRows(EmbeddedDatabase.shared().dataSource());

    @BeforeEach
    void clear() throws Exception {
        sql.execute("CREATE TABLE IF NOT EXISTS test_payment (webhook_id text PRIMARY KEY, order_id text,"
                + " correlation_id text)");
        sql.execute("TRUNCATE test_payment, inbox_message, inbox_replay");
        broken(false);
    }

    @AfterEach
    void fixed() throws Exception {
        broken(false);
    }

    private void broken(boolean broken) throws Exception {
        http.send(
                HttpRequest.newBuilder(URI.create(base + "api/broken"))
                        .PUT(HttpRequest.BodyPublishers.ofString(Boolean.toString(broken)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String paid(String order) {
        return "{\"type\":\"payment.succeeded\",\"data\":{\"order\":\"" + order + "\",\"amount\":1999}}";
    }

    private HttpRequest.Builder signed(String id, String body) throws Exception {
        long now = Instant.now().getEpochSecond();
        return HttpRequest.newBuilder(URI.create(base + "api/payments"))
                .header("Content-Type", "application/json")
                .header("webhook-id", id)
                .header("webhook-timestamp", Long.toString(now))
                .header("webhook-signature", new Webhook(SECRET).sign(id, now, body))
                .header("X-Request-Id", "provider-" + id)
                .header("Authorization", "Bearer provider-token-123")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private List<Map<String, Object>> messages() throws SQLException {
        return sql.query("SELECT * FROM inbox_message ORDER BY id");
    }

    private String status(String key) throws SQLException {
        return (String)
                sql.query("SELECT status FROM inbox_message WHERE idempotency_key = ? AND status <> 'DUPLICATE'", key)
                        .get(0)
                        .get("status");
    }

    private void awaitStatus(String what, String key, String status) throws InterruptedException {
        Await.until(what, () -> {
            try {
                return status(key).equals(status);
            } catch (SQLException | IndexOutOfBoundsException e) {
                return false;
            }
        });
    }

    @Test
    void aSignedDeliveryIsCapturedProcessedOnceAndItsDuplicateAnsweredFromTheStoredResponse() throws Exception {
        HttpResponse<String> first = send(signed("msg_1", paid("42")));
        HttpResponse<String> again = send(signed("msg_1", paid("42")));

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).contains("\"status\":\"PAID\"");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(messages()).extracting(m -> m.get("status")).containsExactly("PROCESSED", "DUPLICATE");
        Map<String, Object> m = messages().get(0);
        assertThat(m)
                .containsEntry("origin", "PaymentsResource.paymentSucceeded")
                .containsEntry("correlation_id", "provider-msg_1")
                .containsEntry("response_status", "200");
        assertThat((String) m.get("headers")).contains("[redacted]").doesNotContain("provider-token-123");
        assertThat(sql.query("SELECT order_id, correlation_id FROM test_payment"))
                .containsExactly(Map.of("order_id", "42", "correlation_id", "provider-msg_1"));
    }

    @Test
    void twoDeliveriesOfOneKeyAtOnceProcessOnceAndTheOtherIsToldToRetry() throws Exception {
        String slow = "{\"slow\":true,\"data\":{\"order\":\"7\"}}";
        CompletableFuture<HttpResponse<String>> first =
                http.sendAsync(signed("msg_c", slow).build(), HttpResponse.BodyHandlers.ofString());
        Await.until("the first is being processed", () -> {
            try {
                return !messages().isEmpty() && status("msg_c").equals("PROCESSING");
            } catch (SQLException e) {
                return false;
            }
        });
        HttpResponse<String> second = send(signed("msg_c", slow));

        assertThat(second.statusCode()).isEqualTo(409);
        assertThat(second.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(first.get().statusCode()).isEqualTo(200);
        assertThat(sql.query("SELECT count(*) AS n FROM test_payment")).containsExactly(Map.of("n", "1"));
    }

    @Test
    void badSignaturesAndMalformedJsonAreRefusedAndCapturedWithoutReachingTheMethod() throws Exception {
        HttpResponse<String> forged = send(signed("msg_f", paid("1"))
                .header("webhook-signature", "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
        HttpResponse<String> malformed = send(signed("msg_m", "{\"type\":"));

        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(messages()).extracting(m -> m.get("status")).containsExactly("INVALID_SIGNATURE", "INVALID");
        assertThat(sql.query("SELECT count(*) AS n FROM test_payment")).containsExactly(Map.of("n", "0"));
    }

    @Test
    void aBrokenWriteIsKeptFailedWithItsExceptionThenTheSendersRetryOrAReplayCompletesIt() throws Exception {
        broken(true);
        HttpResponse<String> failed = send(signed("msg_b", paid("9")));
        HttpResponse<String> failedToo = send(signed("msg_b2", paid("10")));

        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(failedToo.statusCode()).isEqualTo(500);
        // the answers do not wait for the outcomes' rows, written a moment later
        awaitStatus("the first failure is recorded", "msg_b", "FAILED");
        awaitStatus("the second failure is recorded", "msg_b2", "FAILED");
        Map<String, Object> m = messages().get(0);
        assertThat(m).containsEntry("status", "FAILED").containsEntry("error_class", "java.lang.IllegalStateException");
        assertThat((String) m.get("error_message")).contains("\"paid_at\"");

        broken(false);
        HttpResponse<String> retried = send(signed("msg_b", paid("9")));
        assertThat(retried.statusCode()).isEqualTo(200);
        awaitStatus("the sender's retry is recorded processed", "msg_b", "PROCESSED");

        long id = Long.parseLong((String)
                sql.query("SELECT id FROM inbox_message WHERE idempotency_key = 'msg_b2' AND status = 'FAILED'")
                        .get(0)
                        .get("id"));
        int replayed = Inbox.builder(EmbeddedDatabase.shared().dataSource())
                .build()
                .replay(dev.ledgerbox.inbox.InboxReplayFilter.ids(List.of(id)), "alice", "the column is back");
        assertThat(replayed).isEqualTo(1);
        awaitStatus("the replay is processed by the application", "msg_b2", "PROCESSED");
        assertThat(sql.query("SELECT order_id FROM test_payment ORDER BY order_id"))
                .extracting(r -> r.get("order_id"))
                .containsExactly("10", "9");
    }

    @Test
    void anAsynchronousSourceIsAnswered202AndProcessedInTheApplicationsBackground() throws Exception {
        HttpResponse<String> accepted = send(HttpRequest.newBuilder(URI.create(base + "api/payments/async"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"evt_77\",\"data\":{\"order\":\"77\"}}")));

        assertThat(accepted.statusCode()).isEqualTo(202);
        awaitStatus("the background processed it", "evt_77", "PROCESSED");
        assertThat(sql.query("SELECT order_id FROM test_payment")).containsExactly(Map.of("order_id", "77"));
    }

    @Test
    void aMessageCapturedByARequestThatDiedIsFoundAndProcessed() throws Exception {
        // what a crash between the capture's commit and the processing leaves: a received message
        sql.execute("INSERT INTO inbox_message (source, idempotency_key, key_origin, status, body, body_sha256,"
                + " body_bytes, headers, next_attempt_at) VALUES ('payments', 'msg_lost', 'header:webhook-id',"
                + " 'RECEIVED', convert_to('" + paid("55") + "', 'UTF8'), repeat('0', 64), 60,"
                + " '{\"webhook-id\": \"msg_lost\"}', now())");

        awaitStatus("the background found and processed it", "msg_lost", "PROCESSED");
        assertThat(sql.query("SELECT webhook_id, order_id FROM test_payment"))
                .containsExactly(Map.of("webhook_id", "msg_lost", "order_id", "55"));
    }
}
