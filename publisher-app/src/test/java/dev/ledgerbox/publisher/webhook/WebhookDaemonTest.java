package dev.ledgerbox.publisher.webhook;

import static dev.ledgerbox.publisher.webhook.Webhooks.await;
import static dev.ledgerbox.publisher.webhook.Webhooks.sql;
import static org.assertj.core.api.Assertions.assertThat;

import com.standardwebhooks.Webhook;
import dev.ledgerbox.publisher.app.Daemon;
import dev.ledgerbox.publisher.outbox.LogSink;
import dev.ledgerbox.publisher.webhook.Receiver.Received;
import dev.ledgerbox.testing.MutableClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The whole publisher: commit, claim, log, route, sign, send, record; retention; health. */
class WebhookDaemonTest extends ReceiverTest {

    @Test
    void aCommittedEventReachesTheReceiverSignedAndEveryStepIsRecorded() throws Exception {
        var created = Webhooks.endpoint(receiver.url("/orders"), "order.*");
        try (Daemon daemon =
                new Daemon(Webhooks.settings(Map.of("publisher.http.port", "0")), new LogSink(false)).start()) {
            List<UUID> ids = Webhooks.publishWithoutRouting("order", "order.created", "42");
            await("the webhook arrives", () -> receiver.received().size() == 1);
            await("the delivery is recorded", sql(() -> "DELIVERED"
                    .equals(Webhooks.deliveries(created.endpoint().id()).get(0).get("status"))));

            Received r = receiver.received().get(0);
            new Webhook(created.secret().reveal()).verify(r.bodyText(), r.headers());
            assertThat(r.header("webhook-id")).isEqualTo(ids.get(0).toString());
            assertThat(sql().query("SELECT status FROM outbox_event WHERE id = ?", ids.get(0)))
                    .containsExactly(Map.of("status", "DELIVERED"));
            assertThat(sql().query("SELECT replay_id FROM webhook_attempt"))
                    .as("an ordinary attempt has no replay, as its delivery has none")
                    .extracting(a -> a.get("replay_id"))
                    .containsOnly((Object) null);

            HttpResponse<String> health = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(
                                            URI.create("http://127.0.0.1:" + daemon.httpPort() + "/health/ready"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(health.body()).contains("webhook-loop");
            HttpResponse<String> metrics = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpPort() + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body())
                    .contains("ledgerbox_webhook_attempts_total{endpoint=\""
                            + created.endpoint().id() + "\",outcome=\"delivered\"} 1.0");
        }
    }

    /**
     * Deliveries after the work tables were emptied, their statistics saying every row is finished:
     * a burst is claimed, sent and recorded at the usual pace (see PublisherTest for the outbox).
     */
    @Test
    void aBurstIntoFreshlyEmptiedTablesIsDeliveredWithoutWaitingForStatistics() throws Exception {
        UUID endpointId = Webhooks.endpoints()
                .add(EndpointSpec.builder(receiver.url("/orders"))
                        .allowPrivate(true)
                        .maxConcurrency(64)
                        .build())
                .endpoint()
                .id();
        sql().execute("INSERT INTO webhook_message (event_id, type, aggregatetype, aggregateid, aggregate_seq, body,"
                + " occurred_at) SELECT gen_random_uuid(), 'order.created', 'order', 'old-' || i, 1, '{}', now()"
                + " FROM generate_series(1, 20000) AS i");
        sql().execute("INSERT INTO webhook_delivery (event_id, endpoint_id, aggregatetype, aggregateid, aggregate_seq,"
                + " status) SELECT event_id, '" + endpointId + "', aggregatetype, aggregateid, 1, 'DELIVERED'"
                + " FROM webhook_message");
        sql().execute("ANALYZE webhook_delivery, webhook_message");
        sql().execute("TRUNCATE webhook_attempt, webhook_delivery, webhook_message");
        try (Daemon daemon = new Daemon(
                        Webhooks.settings(Map.of("publisher.http.port", "-1", "publisher.poll-interval", "20ms")),
                        new LogSink(false))
                .start()) {
            for (int i = 0; i < 20; i++) {
                Webhooks.publishWithoutRouting("order", "order.created", "warm-" + i);
                int expected = i + 1;
                await(
                        "warm-up delivery " + i + " arrives",
                        () -> receiver.received().size() == expected);
            }
            Thread.sleep(500); // many more claims, all planned against tables of a few rows

            sql().execute("INSERT INTO outbox_event (id, aggregatetype, aggregateid, type, payload, aggregate_seq,"
                    + " occurred_at) SELECT gen_random_uuid(), 'order', 'burst-' || i, 'order.changed',"
                    + " '{}'::jsonb, 1, now() FROM generate_series(0, 4999) AS i");
            long started = System.nanoTime();
            await("the burst of 5,000 deliveries is recorded", sql(() -> sql().query(
                            "SELECT count(*) AS n FROM webhook_delivery WHERE status = 'DELIVERED'")
                    .get(0)
                    .get("n")
                    .equals("5020")));
            long millis = (System.nanoTime() - started) / 1_000_000L;

            assertThat(receiver.received()).hasSize(5020);
            assertThat(millis)
                    .as("milliseconds to deliver 5,000 webhooks (about three at the usual pace)")
                    .isLessThan(15_000);
        }
    }

    @Test
    void finishedDeliveriesPastTheirRetentionAreDeletedWithTheirAttempts() throws Exception {
        var created = Webhooks.endpoint(receiver.url("/orders"), "*");
        Webhooks.publish("order", "order.created", "old", "recent", "waiting");
        UUID endpointId = created.endpoint().id();
        sql().execute("UPDATE webhook_delivery d SET status = 'DELIVERED', delivered_at = now() - interval '40 days'"
                + " FROM webhook_message m WHERE m.event_id = d.event_id AND m.aggregateid = 'old'");
        sql().execute("UPDATE webhook_delivery d SET status = 'DEAD', dead_at = now() - interval '1 day'"
                + " FROM webhook_message m WHERE m.event_id = d.event_id AND m.aggregateid = 'recent'");
        sql().execute(
                        "INSERT INTO webhook_attempt (delivery_id, event_id, endpoint_id, attempt, request_url,"
                                + " request_headers, request_body_sha256, request_bytes, requested_at)"
                                + " SELECT id, event_id, endpoint_id, 1, 'http://x', '{}', repeat('0', 64), 1, now() FROM webhook_delivery");

        WebhookDispatcher dispatcher = Webhooks.dispatcher(new MutableClock(), Map.of());
        assertThat(dispatcher.purge(Duration.ofDays(30), 1)).isEqualTo(1);
        dispatcher.close();

        assertThat(Webhooks.deliveries(endpointId))
                .extracting(d -> d.get("aggregateid"))
                .containsExactly("recent", "waiting");
        assertThat(sql().query("SELECT count(*) AS n FROM webhook_attempt")).containsExactly(Map.of("n", "2"));
        assertThat(sql().query("SELECT aggregateid FROM webhook_message ORDER BY aggregateid"))
                .extracting(m -> m.get("aggregateid"))
                .containsExactly("recent", "waiting");
    }
}
