package dev.ledgerbox.outbound.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.testing.Await;
import dev.ledgerbox.testing.EmbeddedDatabase;
import dev.ledgerbox.testing.FakeChargeApi;
import dev.ledgerbox.testing.FakeChargeApi.Fault;
import dev.ledgerbox.testing.Libraries;
import dev.ledgerbox.testing.SqlRows;
import dev.ledgerbox.testing.TestApplications;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.container.annotation.ArquillianTest;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The application's own calls on Open Liberty, through a MicroProfile Rest Client with {@code
 * Outbound} on its interface and MicroProfile Fault Tolerance's {@code @Retry} on the caller: each
 * retry is a wire attempt of one logical call, recorded even when the business transaction rolls
 * back.
 */
@ArquillianTest
class OutboundOverHttpIT {

    @Deployment(testable = false)
    static WebArchive deployment() {
        return TestApplications.of("outbound-http", "ledgerbox-outbound-core.jar")
                .addClasses(ChargeGateway.class, Checkout.class, CheckoutResource.class, CheckoutApplication.class)
                .addAsLibraries(Libraries.of(dev.ledgerbox.outbox.Outbox.class))
                .addAsLibraries(Libraries.of(dev.ledgerbox.publisher.spi.BoundaryLine.class))
                .addAsLibraries(Libraries.of(com.fasterxml.jackson.databind.ObjectMapper.class))
                .addAsLibraries(Libraries.of(com.fasterxml.jackson.core.JsonParser.class))
                .addAsLibraries(Libraries.of(com.fasterxml.jackson.annotation.JsonProperty.class))
                .addAsLibraries(Libraries.of(org.slf4j.Logger.class));
    }

    @ArquillianResource
    URL base;

    static FakeChargeApi provider;
    final HttpClient http = HttpClient.newHttpClient();
    final SqlRows sql = new SqlRows(EmbeddedDatabase.shared().dataSource());

    @BeforeEach
    void setUp() throws Exception {
        if (provider == null) {
            provider = FakeChargeApi.start(Integer.getInteger("it.peer.port")).slowAnswer(Duration.ofMillis(1500));
        }
        provider.reset();
        sql.execute("CREATE TABLE IF NOT EXISTS test_checkout (order_id text)");
        sql.execute("TRUNCATE outbound_attempt, test_checkout");
    }

    @AfterEach
    void quiet() throws InterruptedException {
        Thread.sleep(1600); // an answer the client gave up on is still on its way
    }

    HttpResponse<String> checkout(String order, boolean rollback) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(base + "api/checkout/" + order + "?rollback=" + rollback))
                        .header("X-Request-Id", "checkout-" + order)
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    List<Map<String, Object>> attempts(int expected) throws Exception {
        Await.until(expected + " ended attempts", () -> ended() >= expected);
        return sql.query("SELECT correlation_id, call_key, destination, attempt, transport, idempotency_key,"
                + " response_status, error_code, provider_request_id, request_body FROM outbound_attempt"
                + " ORDER BY attempt");
    }

    int ended() {
        try {
            return sql.query("SELECT 1 FROM outbound_attempt WHERE responded_at IS NOT NULL")
                    .size();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void eachRetryOfFaultToleranceIsAnAttemptOfTheOneCallWithItsOwnOutcome() throws Exception {
        provider.next(Fault.ERROR, Fault.TIMEOUT);

        HttpResponse<String> answer = checkout("order-42", false);

        // 500, then a timeout after the provider charged, then 409 on the repeated key: no retry after it
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(502);
        assertThat(answer.body()).isEqualTo("provider answered 409");
        assertThat(provider.received())
                .extracting(r -> r.header("Idempotency-Key"))
                .containsExactly(
                        "payments.charges.create:order-42",
                        "payments.charges.create:order-42",
                        "payments.charges.create:order-42");
        List<Map<String, Object>> rows = attempts(3);
        assertThat(rows).extracting(r -> r.get("attempt")).containsExactly("1", "2", "3");
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.get("correlation_id")).isEqualTo("payments.charges.create:order-42");
            assertThat(r.get("call_key")).isEqualTo("order-42");
            assertThat(r.get("destination")).isEqualTo("payments.charges.create");
            assertThat(r.get("transport")).isEqualTo("jaxrs");
            assertThat((String) r.get("request_body")).contains("[redacted]").doesNotContain("4242424242424242");
        });
        assertThat(rows).extracting(r -> r.get("response_status")).containsExactly("500", null, "409");
        assertThat(rows).extracting(r -> r.get("error_code")).containsExactly(null, "timeout", null);
        assertThat(rows).extracting(r -> r.get("provider_request_id")).containsExactly("req_1", null, "req_3");
        assertThat(provider.charges()).containsOnlyKeys("payments.charges.create:order-42");
    }

    @Test
    void theAttemptsOfACallWhoseBusinessTransactionRolledBackAreKept() throws Exception {
        HttpResponse<String> answer = checkout("order-43", true);

        assertThat(answer.statusCode()).isEqualTo(500);
        assertThat(sql.query("SELECT * FROM test_checkout")).isEmpty(); // the business write rolled back
        List<Map<String, Object>> rows = attempts(1);
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0)).containsEntry("response_status", "200").containsEntry("call_key", "order-43");
        assertThat(provider.charges()).containsOnlyKeys("payments.charges.create:order-43");
    }
}
