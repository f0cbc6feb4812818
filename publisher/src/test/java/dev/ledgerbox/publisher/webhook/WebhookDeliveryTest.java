package dev.ledgerbox.publisher.webhook;

import static dev.ledgerbox.publisher.webhook.Webhooks.await;
import static dev.ledgerbox.publisher.webhook.Webhooks.sql;
import static org.assertj.core.api.Assertions.assertThat;

import com.standardwebhooks.Webhook;
import dev.ledgerbox.publisher.spi.Text;
import dev.ledgerbox.publisher.webhook.Receiver.Received;
import dev.ledgerbox.publisher.webhook.Receiver.Reply;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Delivery to a real HTTP receiver: signing, attempt records, retries, dead letters, replay, order. */
class WebhookDeliveryTest extends ReceiverTest {

    @Test
    void deliversASignedWebhookThatTheSpecsOwnLibraryVerifiesAndRecordsTheAttempt() throws Exception {
        var created = Webhooks.endpoint(receiver.url("/hooks"), "order.*");
        UUID eventId = Webhooks.publish("order", "order.created", "42").get(0);

        try (WebhookDispatcher dispatcher = Webhooks.dispatcher(clock, Map.of())) {
            dispatcher.start();
            await("the webhook arrives", () -> receiver.received().size() == 1);
            long deliveryId = Long.parseLong(
                    (String) Webhooks.deliveries(created.endpoint().id()).get(0).get("id"));
            await("the delivery is recorded", sql(() -> Webhooks.status(deliveryId)
                    .equals("DELIVERED")));
        }

        Received r = receiver.received().get(0);
        new Webhook(created.secret().reveal()).verify(r.bodyText(), r.headers()); // throws if it does not verify
        assertThat(r.header("webhook-id")).isEqualTo(eventId.toString());
        assertThat(r.header("webhook-signature")).startsWith("v1,");
        assertThat(Long.parseLong(r.header("webhook-timestamp")))
                .isCloseTo(Instant.now().getEpochSecond(), org.assertj.core.data.Offset.offset(30L));
        assertThat(r.header("content-type")).isEqualTo("application/json");
        assertThat(r.header("user-agent")).startsWith("Ledgerbox-Webhooks/");
        assertThat(r.header("traceparent")).contains("0af7651916cd43dd8448eb211c80319c");
        assertThat(r.header("baggage")).isNull();
        assertThat(r.header("x-correlation-id")).isEqualTo("corr-42");
        assertThat(r.bodyText())
                .startsWith("{\"type\":\"order.created\",\"timestamp\":\"")
                .endsWith("\"data\":{\"n\": 0, \"id\": \"42\"}}");

        Map<String, Object> attempt = Webhooks.attempts(created.endpoint().id()).get(0);
        assertThat(attempt)
                .containsEntry("attempt", "1")
                .containsEntry("response_status", "200")
                .containsEntry("outcome", "DELIVERED")
                .containsEntry("request_url", receiver.url("/hooks"))
                .containsEntry("request_body_sha256", Text.sha256(r.body()))
                .containsEntry("request_bytes", Integer.toString(r.body().length));
        assertThat((String) attempt.get("request_headers"))
                .contains("\"webhook-id\": \"" + eventId + "\"")
                .contains("\"webhook-signature\": \"" + r.header("webhook-signature") + "\"");
        assertThat(attempt.get("requested_at")).isNotNull();
        assertThat(attempt.get("responded_at")).isNotNull();
    }

    /**
     * ANALYZE leaves out what was sent and received (webhook schema 8: sorting a sample of jsonb
     * headers was half of every autoanalyze of the attempts) and keeps the keys the publisher's
     * plans rest on.
     */
    @Test
    void analyzeLeavesOutBodiesAndHeadersAndKeepsTheKeys() throws Exception {
        receiver.then(Reply.status(200).withBody("{\"ok\": true}"));
        var created = Webhooks.endpoint(receiver.url("/hooks"), "order.*");
        Webhooks.publish("order", "order.created", "43");
        try (WebhookDispatcher dispatcher = Webhooks.dispatcher(clock, Map.of())) {
            dispatcher.start();
            await(
                    "the attempt is recorded",
                    sql(() -> Webhooks.attempts(created.endpoint().id()).stream()
                            .anyMatch(a -> "DELIVERED".equals(a.get("outcome")))));
        }

        assertThat(Webhooks.sql().analyzedColumns("webhook_attempt"))
                .contains("delivery_id", "event_id", "endpoint_id", "requested_at", "response_status", "outcome")
                .doesNotContain("request_headers", "request_body_sha256", "response_headers", "response_body");
        assertThat(Webhooks.sql().analyzedColumns("webhook_message"))
                .contains("event_id", "type", "aggregatetype", "aggregateid", "occurred_at")
                .doesNotContain("body");
    }

    @Test
    void retriesAfterA500OnTheScheduleWithTheSameWebhookIdAndAFreshSignature() throws Exception {
        receiver.then(Reply.status(500).withBody("database down"));
        var created = Webhooks.endpoint(receiver.url("/hooks"), "*");
        UUID eventId = Webhooks.publish("order", "order.created", "7").get(0);

        try (WebhookDispatcher dispatcher = Webhooks.dispatcher(clock, Map.of())) {
            dispatcher.start();
            await("the first attempt is recorded", sql(() -> "FAILED"
                    .equals(Webhooks.deliveries(created.endpoint().id()).get(0).get("status"))));
            Map<String, Object> failed =
                    Webhooks.deliveries(created.endpoint().id()).get(0);
            assertThat(failed).containsEntry("last_status", "500").containsEntry("last_error", "HTTP 500");
            Thread.sleep(300);
            assertThat(receiver.received())
                    .as("the next attempt waits for its time")
                    .hasSize(1);

            clock.advance(Duration.ofSeconds(6)); // the schedule's first wait is 5 s
            dispatcher.wake();
            await("the second attempt succeeds", sql(() -> "DELIVERED"
                    .equals(Webhooks.deliveries(created.endpoint().id()).get(0).get("status"))));
        }

        List<Received> got = receiver.received();
        assertThat(got).hasSize(2);
        assertThat(got).extracting(r -> r.header("webhook-id")).containsOnly(eventId.toString());
        assertThat(got.get(0).header("webhook-signature"))
                .isNotEqualTo(got.get(1).header("webhook-signature"));
        assertThat(got.get(0).bodyText()).isEqualTo(got.get(1).bodyText());
        List<Map<String, Object>> attempts =
                Webhooks.attempts(created.endpoint().id());
        assertThat(attempts).extracting(a -> a.get("attempt")).containsExactly("1", "2");
        assertThat(attempts).extracting(a -> a.get("outcome")).containsExactly("RETRY", "DELIVERED");
        assertThat(attempts.get(0)).containsEntry("response_body", "database down");
    }

    @Test
    void deadLettersAfterTheLastAttemptAndAReplaySendsItAgainWithTheSameId() throws Exception {
        receiver.otherwise(r -> Reply.status(503));
        var created = Webhooks.endpoint(receiver.url("/hooks"), "order.*");
        UUID eventId = Webhooks.publish("order", "order.paid", "9").get(0);
        UUID endpointId = created.endpoint().id();

        try (WebhookDispatcher dispatcher =
                Webhooks.dispatcher(clock, Map.of("publisher.webhook.retry-schedule", "1s,2s"))) {
            dispatcher.start();
            for (int attempt = 1; attempt <= 2; attempt++) {
                int n = attempt;
                await(
                        "attempt " + n,
                        sql(() -> Webhooks.attempts(endpointId).size() == n
                                && Webhooks.attempts(endpointId).get(n - 1).get("outcome") != null));
                clock.advance(Duration.ofSeconds(3));
                dispatcher.wake();
            }
            await("the delivery is dead", sql(() -> "DEAD"
                    .equals(Webhooks.deliveries(endpointId).get(0).get("status"))));
            Map<String, Object> dead = Webhooks.deliveries(endpointId).get(0);
            assertThat((String) dead.get("last_error")).isEqualTo("gave up after 3 attempts: HTTP 503");
            assertThat(dead.get("dead_at")).isNotNull();

            DeadLetters letters = new DeadLetters(Webhooks.db());
            List<DeadLetters.Entry> listed =
                    letters.list(new DeadLetters.Filter(null, endpointId, "order.*", null, null, null), 10);
            assertThat(listed).extracting(DeadLetters.Entry::eventId).containsExactly(eventId);

            receiver.otherwise(r -> Reply.status(204));
            DeadLetters.Replay replay = letters.replay(
                    new DeadLetters.Filter(List.of(listed.get(0).deliveryId()), null, null, null, null, null),
                    "ops@example.com",
                    "receiver fixed their load balancer",
                    (done, total) -> {});
            assertThat(replay.deliveries()).isEqualTo(1);
            dispatcher.wake();
            await("the replay is delivered", sql(() -> "DELIVERED"
                    .equals(Webhooks.deliveries(endpointId).get(0).get("status"))));

            assertThat(sql().query("SELECT requested_by, reason, deliveries FROM webhook_replay"))
                    .containsExactly(Map.of(
                            "requested_by", "ops@example.com",
                            "reason", "receiver fixed their load balancer",
                            "deliveries", "1"));
            assertThat(Webhooks.attempts(endpointId).get(3))
                    .containsEntry("attempt", "1")
                    .containsEntry("replay_id", Long.toString(replay.id()))
                    .containsEntry("outcome", "DELIVERED");
        }
        assertThat(receiver.received())
                .hasSize(4)
                .extracting(r -> r.header("webhook-id"))
                .containsOnly(eventId.toString());
    }

    @Test
    void aFailingHeadHoldsBackOnlyItsOwnAggregateOnThatEndpoint() throws Exception {
        receiver.otherwise(r -> r.bodyText().contains("\"id\": \"stuck\"")
                        && r.bodyText().contains("\"n\": 0")
                        && r.header("webhook-id") != null
                        && receiver.received().stream()
                                        .filter(x -> x.bodyText().contains("\"id\": \"stuck\""))
                                        .count()
                                == 1
                ? Reply.status(500)
                : Reply.status(200));
        var created = Webhooks.endpoint(receiver.url("/hooks"), "*");
        UUID endpointId = created.endpoint().id();
        UUID first = Webhooks.publish("order", "order.created", "stuck").get(0);
        UUID second = Webhooks.publish("order", "order.paid", "stuck").get(0);
        Webhooks.publish("order", "order.created", "free-1", "free-2");

        try (WebhookDispatcher dispatcher = Webhooks.dispatcher(clock, Map.of())) {
            dispatcher.start();
            await("the other aggregates are delivered", sql(() -> Webhooks.deliveries(endpointId).stream()
                    .filter(d -> ((String) d.get("aggregateid")).startsWith("free"))
                    .allMatch(d -> d.get("status").equals("DELIVERED"))));
            Thread.sleep(300);
            assertThat(receiver.received())
                    .extracting(r -> r.header("webhook-id"))
                    .doesNotContain(second.toString());

            clock.advance(Duration.ofSeconds(6));
            dispatcher.wake();
            await("the stuck aggregate goes on", sql(() -> Webhooks.deliveries(endpointId).stream()
                    .allMatch(d -> d.get("status").equals("DELIVERED"))));
        }
        List<String> stuck = receiver.received().stream()
                .map(r -> r.header("webhook-id"))
                .filter(id -> id.equals(first.toString()) || id.equals(second.toString()))
                .toList();
        assertThat(stuck).containsExactly(first.toString(), first.toString(), second.toString());
    }

    @Test
    void fansOutToEveryMatchingEnabledEndpointOnce() throws Exception {
        var orders = Webhooks.endpoint(receiver.url("/orders"), "order.*");
        var created = Webhooks.endpoint(receiver.url("/created"), "order.created", "member.invited");
        var all = Webhooks.endpoint(receiver.url("/all"), "*");
        var off = Webhooks.endpoint(receiver.url("/off"), "*");
        Webhooks.endpoints().disable(off.endpoint().id(), "test");

        Webhooks.publish("order", "order.created", "1");
        Webhooks.publish("order", "order.paid", "1");
        Webhooks.publish("member", "member.invited", "5");
        Webhooks.publish("orders", "orderly.thing", "3"); // 'order.*' must not match 'orderly.thing'

        assertThat(Webhooks.deliveries(orders.endpoint().id())).hasSize(2);
        assertThat(Webhooks.deliveries(created.endpoint().id())).hasSize(2);
        assertThat(Webhooks.deliveries(all.endpoint().id())).hasSize(4);
        assertThat(Webhooks.deliveries(off.endpoint().id())).isEmpty();
        assertThat(sql().query("SELECT count(*) AS n FROM webhook_message")).containsExactly(Map.of("n", "4"));
    }
}
