package dev.ledgerbox.publisher.webhook;

import static dev.ledgerbox.publisher.webhook.Webhooks.await;
import static dev.ledgerbox.publisher.webhook.Webhooks.sql;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.publisher.webhook.Deliveries.Prepared;
import dev.ledgerbox.publisher.webhook.Deliveries.Request;
import dev.ledgerbox.publisher.webhook.WebhookStore.Room;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A claim whose claimer died is taken back as soon as its lease ends, ahead of work that became due
 * after it: under a backlog, its aggregate's later deliveries (which wait for it) are not held up
 * behind every other aggregate's.
 */
class StrandedClaimTest extends ReceiverTest {

    @Test
    void aDeadInstancesClaimGoesFirstOnceItsLeaseEnds() throws Exception {
        UUID endpoint = new WebhookEndpoints(Webhooks.db(), SecretBox.plaintext())
                .add(EndpointSpec.builder(receiver.url("/hooks"))
                        .allowPrivate(true)
                        .maxConcurrency(1)
                        .build())
                .endpoint()
                .id();
        // aggregate "a" (two deliveries), then 30 other aggregates, all due since a minute ago
        sql().execute("WITH m AS (INSERT INTO webhook_message (event_id, type, aggregatetype, aggregateid,"
                + " aggregate_seq, body, occurred_at)"
                + " SELECT gen_random_uuid(), 'order.created', 'order', agg, seq, '{}', now()"
                + " FROM (VALUES ('a', 1), ('a', 2)) AS v (agg, seq)"
                + " UNION ALL SELECT gen_random_uuid(), 'order.created', 'order', 'b-' || i, 1, '{}', now()"
                + " FROM generate_series(1, 30) AS i"
                + " RETURNING event_id, aggregatetype, aggregateid, aggregate_seq)"
                + " INSERT INTO webhook_delivery (event_id, endpoint_id, aggregatetype, aggregateid, aggregate_seq,"
                + " next_attempt_at) SELECT event_id, '" + endpoint + "', aggregatetype, aggregateid, aggregate_seq,"
                + " now() - interval '1 minute' FROM m ORDER BY aggregateid, aggregate_seq");

        // an instance claims a's first delivery (lease 1 ms) and dies before recording anything
        List<Prepared> dead = new WebhookStore(Webhooks.db(), SecretBox.plaintext())
                .claim(
                        "dead-instance",
                        List.of(new Room(endpoint, 1, 1)),
                        clock.instant(),
                        d -> new Request(
                                URI.create(receiver.url("/hooks")),
                                Map.of(),
                                Map.of(),
                                new byte[0],
                                "",
                                Instant.now()));
        assertThat(dead).hasSize(1);
        UUID stranded = dead.get(0).delivery().eventId();
        clock.advance(Duration.ofSeconds(1)); // its lease is over

        // a live instance with one slot: the stranded delivery goes out first
        try (WebhookDispatcher dispatcher = Webhooks.dispatcher(clock, Map.of())) {
            dispatcher.start();
            await("three webhooks arrive", () -> receiver.received().size() >= 3);
        }
        List<String> ids =
                receiver.received().stream().map(r -> r.header("webhook-id")).toList();
        assertThat(ids.get(0)).isEqualTo(stranded.toString());
        assertThat(Webhooks.attempts(endpoint).stream()
                        .filter(a -> stranded.toString().equals(String.valueOf(a.get("event_id"))))
                        .map(a -> String.valueOf(a.get("attempt"))))
                .as("the cut attempt stays on record, the retry is attempt 2")
                .containsExactlyInAnyOrder("1", "2");
    }
}
