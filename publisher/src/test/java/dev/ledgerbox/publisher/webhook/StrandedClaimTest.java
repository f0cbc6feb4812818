package dev.ledgerbox.publisher.webhook;

import static dev.ledgerbox.publisher.webhook.Webhooks.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.publisher.webhook.Deliveries.Prepared;
import java.time.Duration;
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
        Webhooks.due(
                endpoint, "VALUES ('a', 1), ('a', 2) UNION ALL SELECT 'b-' || i, 1 FROM generate_series(1, 30) AS i");

        // an instance claims a's first delivery (lease 1 ms) and dies before recording anything
        List<Prepared> dead = Webhooks.claim("dead-instance", endpoint, 1, 1, clock.instant(), receiver.url("/hooks"));
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
