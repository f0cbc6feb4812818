package dev.ledgerbox.publisher.webhook;

import static dev.ledgerbox.publisher.webhook.Webhooks.await;
import static dev.ledgerbox.publisher.webhook.Webhooks.sql;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.publisher.Publisher;
import dev.ledgerbox.publisher.spi.ClaimedEvent;
import dev.ledgerbox.publisher.spi.Outcome;
import dev.ledgerbox.publisher.spi.Sink;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * One kind of work never waits for the other's backlog: a webhook goes out while tens of thousands
 * of outbox events wait to be logged, and an event is logged while thousands of webhook deliveries
 * wait to be sent. (How much each gets of the machine meanwhile is measured by the benchmark
 * FairShareBenchmark, docs/reliability.md.)
 */
class FairShareTest extends ReceiverTest {

    private static final int BACKLOG = 50_000;

    private final Set<UUID> logged = ConcurrentHashMap.newKeySet();
    private final Sink recording = new Sink() {
        @Override
        public String name() {
            return "recording";
        }

        @Override
        public Outcome deliver(ClaimedEvent event) {
            logged.add(event.id());
            return new Outcome.Delivered();
        }
    };

    @Test
    void aWebhookGoesOutWhileALargeOutboxBacklogWaits() throws Exception {
        Webhooks.endpoint(receiver.url("/hooks"), "order.*");
        Webhooks.publish("order", "order.created", "o-1"); // routed: one delivery waits
        sql().execute("INSERT INTO outbox_event (id, aggregatetype, aggregateid, type, payload, aggregate_seq,"
                + " occurred_at) SELECT gen_random_uuid(), 'noise', 'n-' || i, 'noise.logged',"
                + " jsonb_build_object('i', i), 1, now() FROM generate_series(1, " + BACKLOG + ") AS i");

        try (Publisher publisher = publisher()) {
            await("the webhook arrives", () -> !receiver.received().isEmpty());
            assertThat(logged.size())
                    .as("outbox events logged when the webhook arrived")
                    .isLessThan(BACKLOG);
        }
    }

    @Test
    void anEventIsLoggedWhileALargeWebhookBacklogWaits() throws Exception {
        UUID endpoint =
                Webhooks.endpoint(receiver.url("/hooks"), "order.*").endpoint().id();
        int deliveries = 5_000;
        sql().execute("WITH m AS (INSERT INTO webhook_message (event_id, type, aggregatetype, aggregateid,"
                + " aggregate_seq, body, occurred_at) SELECT gen_random_uuid(), 'order.created', 'order',"
                + " 'o-' || i, 1, '{}', now() FROM generate_series(1, " + deliveries + ") AS i"
                + " RETURNING event_id, aggregatetype, aggregateid)"
                + " INSERT INTO webhook_delivery (event_id, endpoint_id, aggregatetype, aggregateid, aggregate_seq)"
                + " SELECT event_id, '" + endpoint + "', aggregatetype, aggregateid, 1 FROM m");
        UUID event =
                Webhooks.publishWithoutRouting("member", "member.joined", "m-1").get(0);

        try (Publisher publisher = publisher()) {
            await("the event is logged", () -> logged.contains(event));
            assertThat(receiver.received().size())
                    .as("webhooks sent when the event was logged")
                    .isLessThan(deliveries);
        }
    }

    private Publisher publisher() {
        return Publisher.builder(Webhooks.db(), Webhooks.settings(Map.of()))
                .sink(recording)
                .build()
                .start();
    }
}
