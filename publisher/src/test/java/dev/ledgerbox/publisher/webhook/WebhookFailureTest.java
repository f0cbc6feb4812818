package dev.ledgerbox.publisher.webhook;

import static dev.ledgerbox.publisher.webhook.Webhooks.await;
import static dev.ledgerbox.publisher.webhook.Webhooks.sql;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.publisher.webhook.Receiver.Reply;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What receivers and networks do wrong, and what the publisher makes of it. */
class WebhookFailureTest extends ReceiverTest {

    private Map<String, Object> firstAttemptOf(String url, Duration timeout) throws Exception {
        var created = Webhooks.endpoints()
                .add(EndpointSpec.builder(url)
                        .allowPrivate(true)
                        .timeout(timeout)
                        .build());
        UUID endpointId = created.endpoint().id();
        Webhooks.publish("order", "order.created", "1");
        try (WebhookDispatcher dispatcher = Webhooks.dispatcher(clock, Map.of())) {
            dispatcher.start();
            await(
                    "the attempt is recorded",
                    sql(() -> !Webhooks.attempts(endpointId).isEmpty()
                            && Webhooks.attempts(endpointId).get(0).get("outcome") != null));
        }
        Map<String, Object> attempt = Webhooks.attempts(endpointId).get(0);
        attempt.put("delivery_status", Webhooks.deliveries(endpointId).get(0).get("status"));
        attempt.put("delivery_error", Webhooks.deliveries(endpointId).get(0).get("last_error"));
        return attempt;
    }

    @Test
    void aReceiverThatDoesNotAnswerInTimeIsCutOffAndRetried() throws Exception {
        receiver.otherwise(r -> Reply.status(200).after(Duration.ofSeconds(3)));
        Map<String, Object> attempt = firstAttemptOf(receiver.url("/slow"), Duration.ofMillis(300));
        assertThat(attempt)
                .containsEntry("outcome", "RETRY")
                .containsEntry("response_status", null)
                .containsEntry("error_class", "java.util.concurrent.TimeoutException")
                .containsEntry("delivery_status", "FAILED");
        assertThat(Integer.parseInt((String) attempt.get("duration_ms"))).isLessThan(2500);
    }

    @Test
    void aDeliveryOnTheWireHoldsItsEndpointsTimeoutPlusThePublishersLease() throws Exception {
        receiver.otherwise(r -> Reply.status(200).after(Duration.ofSeconds(2)));
        UUID endpointId = Webhooks.endpoints()
                .add(EndpointSpec.builder(receiver.url("/slow"))
                        .allowPrivate(true)
                        .timeout(Duration.ofSeconds(3))
                        .build())
                .endpoint()
                .id();
        Webhooks.publish("order", "order.created", "1");
        try (WebhookDispatcher dispatcher = Webhooks.dispatcher(clock, Map.of("publisher.lease", "7s"))) {
            dispatcher.start();
            await(
                    "the delivery is on the wire",
                    sql(() -> Webhooks.deliveries(endpointId).get(0).get("claimed_by") != null));
            // a stranded claim comes back after the call's longest time plus publisher.lease, counted
            // from the claim (when the attempt's request row was written), however late this looks
            assertThat(sql().query(
                                    "SELECT round(extract(epoch FROM d.lease_until - a.requested_at))::int AS held"
                                            + " FROM webhook_delivery d JOIN webhook_attempt a ON a.delivery_id = d.id"
                                            + " WHERE d.endpoint_id = ?",
                                    endpointId)
                            .get(0))
                    .containsEntry("held", "10");
        }
    }

    @Test
    void aBodyThatTricklesInPastTheDeadlineIsCutOff() throws Exception {
        receiver.otherwise(r -> Reply.status(200).withBody("x".repeat(200)).trickled(Duration.ofSeconds(4)));
        Map<String, Object> attempt = firstAttemptOf(receiver.url("/trickle"), Duration.ofMillis(500));
        assertThat(attempt)
                .containsEntry("outcome", "RETRY")
                .containsEntry("error_class", "java.util.concurrent.TimeoutException");
        assertThat((String) attempt.get("error_message")).isEqualTo("no complete response within 500 ms");
        assertThat(Integer.parseInt((String) attempt.get("duration_ms"))).isLessThan(3000);
    }

    @Test
    void aRefusedConnectionIsRecordedWithItsErrorAndRetried() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, Object> attempt = firstAttemptOf("http://127.0.0.1:" + port + "/gone", Duration.ofSeconds(2));
        assertThat(attempt)
                .containsEntry("outcome", "RETRY")
                .containsEntry("response_status", null)
                .containsEntry("delivery_status", "FAILED");
        assertThat((String) attempt.get("error_class")).endsWith("ConnectException");
        assertThat((String) attempt.get("delivery_error")).contains("Connection refused");
    }

    @Test
    void aRedirectIsAFailureAndIsNotFollowed() throws Exception {
        receiver.otherwise(r -> r.path().equals("/moved")
                ? Reply.status(302).withHeader("Location", receiver.url("/elsewhere"))
                : Reply.status(200));
        Map<String, Object> attempt = firstAttemptOf(receiver.url("/moved"), Duration.ofSeconds(2));
        assertThat(attempt).containsEntry("response_status", "302").containsEntry("outcome", "RETRY");
        assertThat((String) attempt.get("delivery_error"))
                .isEqualTo("HTTP 302: redirects are not followed (to " + receiver.url("/elsewhere") + ")");
        assertThat(receiver.received("/elsewhere")).isEmpty();
    }

    @Test
    void retryAfterOn429IsHonoured() throws Exception {
        receiver.otherwise(r -> Reply.status(429).withHeader("Retry-After", "120"));
        Instant before = clock.instant();
        Map<String, Object> attempt = firstAttemptOf(receiver.url("/busy"), Duration.ofSeconds(2));
        assertThat(attempt).containsEntry("response_status", "429").containsEntry("outcome", "RETRY");
        assertThat((String) attempt.get("delivery_error")).isEqualTo("HTTP 429, Retry-After 120 s");
        String next = (String) sql().query("SELECT to_char(next_attempt_at AT TIME ZONE 'UTC',"
                        + " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS t FROM webhook_delivery")
                .get(0)
                .get("t");
        Duration wait = Duration.between(before, Instant.parse(next));
        assertThat(wait).isBetween(Duration.ofSeconds(119), Duration.ofSeconds(125));
    }

    @Test
    void retryAfterAsAnHttpDateIsHonouredAndALongOneIsCut() throws Exception {
        WebhookDispatcher dispatcher = Webhooks.dispatcher(clock, Map.of("publisher.webhook.retry-after-max", "10m"));
        Instant now = Instant.parse("2026-12-01T10:00:00Z");
        assertThat(dispatcher.retryAfter("Tue, 01 Dec 2026 10:01:30 GMT", now)).isEqualTo(Duration.ofSeconds(90));
        assertThat(dispatcher.retryAfter("86400", now)).isEqualTo(Duration.ofMinutes(10));
        assertThat(dispatcher.retryAfter("soon", now)).isNull();
        assertThat(dispatcher.retryAfter("-5", now)).isEqualTo(Duration.ZERO);
        dispatcher.close();
    }

    @Test
    void a410DisablesTheEndpointAndDeadLettersWhatWaitsForIt() throws Exception {
        receiver.otherwise(r -> Reply.status(410));
        var created = Webhooks.endpoint(receiver.url("/retired"), "*");
        UUID endpointId = created.endpoint().id();
        Webhooks.publish("order", "order.created", "1");
        Webhooks.publish("order", "order.paid", "1"); // waits behind the first: same aggregate

        try (WebhookDispatcher dispatcher = Webhooks.dispatcher(clock, Map.of())) {
            dispatcher.start();
            await(
                    "the endpoint is disabled",
                    sql(() ->
                            !Webhooks.endpoints().find(endpointId).orElseThrow().enabled()));
            await("both deliveries are dead", sql(() -> Webhooks.deliveries(endpointId).stream()
                    .allMatch(d -> d.get("status").equals("DEAD"))));
        }
        assertThat(receiver.received()).hasSize(1);
        assertThat(Webhooks.endpoints().find(endpointId).orElseThrow().disabledReason())
                .isEqualTo("410 Gone: the receiver asked for no more deliveries");
        List<Map<String, Object>> deliveries = Webhooks.deliveries(endpointId);
        assertThat(deliveries.get(1).get("last_error"))
                .isEqualTo("endpoint disabled: 410 Gone: the receiver asked for no more deliveries");
        assertThat(Webhooks.attempts(endpointId))
                .extracting(a -> a.get("outcome"))
                .containsExactly("GONE");

        Webhooks.publish("order", "order.created", "2");
        assertThat(Webhooks.deliveries(endpointId))
                .as("no new deliveries to a disabled endpoint")
                .hasSize(2);
    }

    @Test
    void aLongResponseBodyIsStoredTruncated() throws Exception {
        receiver.otherwise(r -> Reply.status(500).withBody("e".repeat(10_000)));
        var created = Webhooks.endpoint(receiver.url("/chatty"), "*");
        Webhooks.publish("order", "order.created", "1");
        try (WebhookDispatcher dispatcher =
                Webhooks.dispatcher(clock, Map.of("publisher.webhook.response-body-max", "100"))) {
            dispatcher.start();
            await(
                    "the attempt is recorded",
                    sql(() -> !Webhooks.attempts(created.endpoint().id()).isEmpty()
                            && Webhooks.attempts(created.endpoint().id()).get(0).get("outcome") != null));
        }
        Map<String, Object> attempt = Webhooks.attempts(created.endpoint().id()).get(0);
        assertThat((String) attempt.get("response_body")).hasSize(100);
        assertThat(attempt).containsEntry("response_truncated", "true").containsEntry("response_status", "500");
    }
}
