package dev.ledgerbox.publisher;

import dev.ledgerbox.publisher.spi.ClaimedEvent;
import dev.ledgerbox.publisher.spi.Outcome;
import dev.ledgerbox.publisher.spi.Sink;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.slf4j.MDC;

/**
 * A sink that remembers what it got (and the MDC it saw), answering with a chosen outcome; {@link
 * #local()} or not, as made.
 */
final class RecordingSink implements Sink {

    record Delivery(ClaimedEvent event, Map<String, String> mdc, String thread) {}

    final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    final Map<String, Integer> inFlightPerAggregate = new ConcurrentHashMap<>();
    volatile boolean overlapSeen;
    volatile Function<ClaimedEvent, Outcome> answer = e -> Outcome.DELIVERED;
    private final boolean local;

    RecordingSink() {
        this(false);
    }

    RecordingSink(boolean local) {
        this.local = local;
    }

    @Override
    public boolean local() {
        return local;
    }

    @Override
    public String name() {
        return "recording";
    }

    @Override
    public Outcome deliver(ClaimedEvent event) throws Exception {
        String aggregate = event.aggregateType() + ":" + event.aggregateId();
        if (inFlightPerAggregate.merge(aggregate, 1, Integer::sum) > 1) {
            overlapSeen = true;
        }
        try {
            deliveries.add(new Delivery(
                    event, MDC.getCopyOfContextMap(), Thread.currentThread().getName()));
            Thread.sleep(1); // let concurrent deliveries overlap if the engine allowed it
            return answer.apply(event);
        } finally {
            inFlightPerAggregate.merge(aggregate, -1, Integer::sum);
        }
    }

    List<String> payloadsOf(String aggregateId) {
        return deliveries.stream()
                .filter(d -> d.event().aggregateId().equals(aggregateId))
                .map(d -> d.event().payloadJson())
                .toList();
    }
}
