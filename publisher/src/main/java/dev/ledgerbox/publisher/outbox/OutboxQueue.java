package dev.ledgerbox.publisher.outbox;

import dev.ledgerbox.outbox.spi.SleepingPublishers;
import dev.ledgerbox.outbox.spi.TraceContext;
import dev.ledgerbox.publisher.spi.ClaimedEvent;
import dev.ledgerbox.publisher.spi.Handoff;
import dev.ledgerbox.publisher.spi.Outcome;
import dev.ledgerbox.publisher.spi.Sink;
import dev.ledgerbox.publisher.spi.WorkContext;
import dev.ledgerbox.publisher.spi.WorkQueue;
import dev.ledgerbox.publisher.spi.WorkResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/**
 * Outbox events as work: each claimed event goes to the sink, and the transaction that marks
 * events delivered hands them on (the webhook router stores their deliveries there, once per
 * event). A malformed event is dead at once. Per-aggregate order comes from the claim: an event
 * is claimable only when its aggregate's previous event is delivered or dead. A local sink's
 * events ({@link Sink#local()}) are claimed, delivered and marked in one transaction. Thread-safe.
 */
public final class OutboxQueue implements WorkQueue<ClaimedEvent> {

    private final OutboxStore store;
    private final Sink sink;
    private final Handoff handoff;
    private final MeterRegistry metrics;
    private final Timer latency;

    /** {@code handoff} runs in the transaction that marks events delivered ({@link Handoff#NONE}: nothing). */
    public OutboxQueue(OutboxStore store, Sink sink, Handoff handoff, MeterRegistry metrics) {
        this.store = store;
        this.sink = sink;
        this.handoff = handoff;
        this.metrics = metrics;
        this.latency = Timer.builder("ledgerbox.delivery.latency")
                .description("time from the event's commit to its delivery")
                .publishPercentileHistogram()
                .register(metrics);
    }

    @Override
    public String name() {
        return "outbox";
    }

    @Override
    public List<ClaimedEvent> claim(Claim claim) throws SQLException {
        return store.claim(claim.owner(), claim.max(), claim.lease());
    }

    @Override
    public Outcome work(ClaimedEvent event) throws Exception {
        String problem = EventChecks.problem(event);
        return problem != null ? Outcome.dead(problem) : sink.deliver(event);
    }

    @Override
    public void record(String owner, List<WorkResult<ClaimedEvent>> results) throws SQLException {
        store.record(owner, results, handoff);
        counted(results);
    }

    /** A local sink's events are claimed, delivered and marked in one transaction ({@link Sink#local()}). */
    @Override
    public boolean workedInTheClaim() {
        return sink.local();
    }

    @Override
    public List<WorkResult<ClaimedEvent>> claimWorkAndRecord(
            Claim claim, Function<ClaimedEvent, WorkResult<ClaimedEvent>> worker) throws SQLException {
        List<WorkResult<ClaimedEvent>> results =
                store.deliverInOneTransaction(claim.max(), claim.lease(), worker, handoff);
        counted(results);
        return results;
    }

    private void counted(List<WorkResult<ClaimedEvent>> results) {
        Instant now = Instant.now();
        for (WorkResult<ClaimedEvent> r : results) {
            ClaimedEvent e = r.work();
            if (r.outcome() instanceof Outcome.Delivered) {
                latency.record(Duration.between(e.occurredAt(), now));
                Counter.builder("ledgerbox.events.delivered")
                        .tag("type", e.type())
                        .tag("sink", sink.name())
                        .register(metrics)
                        .increment();
            } else if (r.outcome() instanceof Outcome.Retry) {
                failed(e, "retry");
            } else if (r.outcome() instanceof Outcome.Dead) {
                failed(e, "dead");
            }
        }
    }

    private void failed(ClaimedEvent e, String outcome) {
        Counter.builder("ledgerbox.events.failed")
                .tag("type", e.type())
                .tag("sink", sink.name())
                .tag("outcome", outcome)
                .register(metrics)
                .increment();
    }

    @Override
    public int attempt(ClaimedEvent event) {
        return event.attempt();
    }

    @Override
    public WorkContext context(ClaimedEvent e) {
        return new WorkContext(
                e.id().toString(),
                e.correlationId(),
                new TraceContext(e.traceparent(), e.tracestate()),
                e.type() + " process");
    }

    @Override
    public boolean due() throws SQLException {
        return store.hasDue();
    }

    @Override
    public boolean sleeping(String owner) throws SQLException {
        store.sleeping(owner);
        return store.hasDue();
    }

    /** Ledgerbox's writers trust a look that found no one asleep for a moment ({@link SleepingPublishers}). */
    @Override
    public Duration unannouncedAfterSleeping() {
        return SleepingPublishers.PUBLISHER_LOOKS_AGAIN_AFTER;
    }

    @Override
    public void awake(String owner) throws SQLException {
        store.awake(owner);
    }
}
