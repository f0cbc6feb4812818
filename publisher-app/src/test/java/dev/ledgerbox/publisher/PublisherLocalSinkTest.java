package dev.ledgerbox.publisher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.publisher.app.Daemon;
import dev.ledgerbox.publisher.spi.Outcome;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The same tests with a local sink: its events claimed, delivered and marked in one transaction
 * on the engine's claim thread ({@code Sink.local()}), and, during a backlog, in a second
 * transaction beside it.
 */
class PublisherLocalSinkTest extends PublisherTest {

    @Override
    RecordingSink sink() {
        return new RecordingSink(true);
    }

    /**
     * Ten events of each of 12 aggregates, the first of each slow to deliver: a claimer that passed a
     * held event would deliver its aggregate's next one first.
     */
    private void aBacklogWithSlowFirstEvents() throws Exception {
        for (int round = 0; round < 10; round++) {
            String[] aggregates = new String[12];
            for (int a = 0; a < aggregates.length; a++) {
                aggregates[a] = "b" + a;
            }
            Events.write("order", "order.changed", aggregates);
        }
        sink.answer = e -> {
            if (e.aggregateSeq() == 1) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
            return Outcome.DELIVERED;
        };
    }

    /** Every event of the backlog delivered once, one aggregate's never two at once, each in order. */
    private void eachEventOnceEachAggregateInOrder() {
        assertThat(sink.deliveries).hasSize(120);
        assertThat(sink.deliveries.stream().map(d -> d.event().id()).distinct())
                .as("each event once")
                .hasSize(120);
        assertThat(sink.overlapSeen)
                .as("two events of one aggregate delivered at once")
                .isFalse();
        Map<String, List<Long>> seqs = sink.deliveries.stream()
                .collect(Collectors.groupingBy(
                        d -> d.event().aggregateId(),
                        Collectors.mapping(d -> d.event().aggregateSeq(), Collectors.toList())));
        assertThat(seqs).hasSize(12);
        seqs.forEach(
                (aggregate, order) -> assertThat(order).as(aggregate).isSorted().hasSize(10));
    }

    @Test
    void aBacklogIsDrainedInTwoTransactionsAtOnceEachAggregateInOrder() throws Exception {
        aBacklogWithSlowFirstEvents();
        start(Map.of("publisher.batch-size", "8"));
        await("all 120 events are delivered", PublisherTest::allDelivered);

        eachEventOnceEachAggregateInOrder();
        assertThat(sink.deliveries.stream().map(RecordingSink.Delivery::thread).distinct())
                .as("the claim loop's transaction and the one beside it")
                .containsExactlyInAnyOrder("ledgerbox-outbox-claims", "ledgerbox-outbox-claims-beside");
    }

    @Test
    void twoPublishersShareABacklogEachEventOnceEachAggregateInOrder() throws Exception {
        aBacklogWithSlowFirstEvents();
        try (Daemon second = new Daemon(
                        Events.settings(Map.of("publisher.batch-size", "8", "publisher.instance-id", "second")), sink)
                .start()) {
            start(Map.of("publisher.batch-size", "8", "publisher.instance-id", "first"));
            await("all 120 events are delivered", PublisherTest::allDelivered);
        }

        eachEventOnceEachAggregateInOrder();
    }
}
