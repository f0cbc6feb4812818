package dev.ledgerbox.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ledgerbox.testing.EmbeddedDatabase;
import dev.ledgerbox.testing.FakeChargeApi;
import dev.ledgerbox.testing.FakeChargeApi.Fault;
import dev.ledgerbox.testing.SqlRows;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.Response;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Jakarta REST client transport (RESTEasy's client here), against a real HTTP server. */
class OutboundClientFilterTest {

    final DataSource db = EmbeddedDatabase.shared().dataSource();
    final SqlRows sql = new SqlRows(db);
    FakeChargeApi provider;
    OutboundCapture capture;
    Client client;

    @BeforeEach
    void setUp() throws Exception {
        sql.execute("TRUNCATE outbound_attempt");
        provider = FakeChargeApi.start(0);
        capture = OutboundCapture.builder(db)
                .destination(OutboundDestination.named("payments")
                        .idempotencyHeader("Idempotency-Key")
                        .requestIdHeader("Request-Id"))
                .build();
        client = ClientBuilder.newClient().register(new OutboundClientFilter(capture, "payments"));
    }

    @AfterEach
    void tearDown() throws Exception {
        client.close();
        capture.close();
        provider.close();
    }

    @Test
    void eachRequestIsRecordedWithTheSerializedBodyAndTheResponseStaysReadable() throws Exception {
        provider.next(Fault.ERROR);
        String answer;
        try (OutboundCall call = capture.call("payments.charges.create", "order-7")) {
            Response first = client.target(provider.uri())
                    .path("/v1/charges")
                    .request()
                    .header("Authorization", "Bearer sk_test_abc")
                    .post(Entity.json("{\"amount\":700,\"cvc\":\"123\"}"));
            assertThat(first.getStatus()).isEqualTo(500);
            assertThat(first.readEntity(String.class)).isEqualTo("{\"error\":\"internal error\"}");
            answer = client.target(provider.uri())
                    .path("/v1/charges")
                    .request()
                    .post(Entity.json("{\"amount\":700,\"cvc\":\"123\"}"), String.class);
        }
        assertThat(answer).contains("\"status\":\"succeeded\""); // read by the caller after the filter read it

        assertThat(provider.received())
                .extracting(r -> r.header("Idempotency-Key"))
                .containsExactly("payments.charges.create:order-7", "payments.charges.create:order-7");
        assertThat(capture.flush(Duration.ofSeconds(10))).isTrue();
        List<Map<String, Object>> rows = sql.query("SELECT attempt, transport, request_body, request_headers ->>"
                + " 'Authorization' AS auth, response_status, response_body, provider_request_id"
                + " FROM outbound_attempt ORDER BY attempt");
        assertThat(rows).extracting(r -> r.get("attempt")).containsExactly("1", "2");
        assertThat(rows).extracting(r -> r.get("transport")).containsOnly("jaxrs");
        assertThat(rows).extracting(r -> r.get("response_status")).containsExactly("500", "200");
        assertThat(rows.get(0).get("request_body")).isEqualTo("{\"amount\":700,\"cvc\":\"[redacted]\"}");
        assertThat(rows.get(0).get("auth")).isEqualTo("[redacted]");
        assertThat((String) rows.get(1).get("response_body")).contains("succeeded");
        assertThat(rows.get(1).get("provider_request_id")).isEqualTo("req_2");
    }

    @Test
    void anAttemptWithoutResponseGetsTheErrorTheCallerReports() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        try (OutboundCall call = capture.call("payments.charges.create", "order-8")) {
            assertThatThrownBy(() -> client.target("http://127.0.0.1:" + closed + "/v1/charges")
                            .request()
                            .get(String.class))
                    .isInstanceOfSatisfying(ProcessingException.class, call::attemptFailed);
            client.target(provider.uri()).path("/v1/charges").request().get().close();
        }
        assertThat(capture.flush(Duration.ofSeconds(10))).isTrue();
        assertThat(sql.query("SELECT attempt, request_method, error_code, response_status FROM outbound_attempt"
                        + " ORDER BY attempt"))
                .containsExactly(
                        OutboundCaptureTest.row(
                                "attempt",
                                "1",
                                "request_method",
                                "GET",
                                "error_code",
                                "connection_refused",
                                "response_status",
                                null),
                        OutboundCaptureTest.row(
                                "attempt", "2", "request_method", "GET", "error_code", null, "response_status", "200"));
    }
}
