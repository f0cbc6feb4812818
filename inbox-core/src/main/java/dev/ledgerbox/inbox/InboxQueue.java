package dev.ledgerbox.inbox;

import dev.ledgerbox.outbox.spi.TraceContext;
import dev.ledgerbox.publisher.spi.Outcome;
import dev.ledgerbox.publisher.spi.WorkContext;
import dev.ledgerbox.publisher.spi.WorkQueue;
import dev.ledgerbox.publisher.spi.WorkResult;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The inbox's kind of work for the engine: messages of asynchronous sources, messages a request
 * left unprocessed (it died between capture and processing), leases run out, and replays. Each is
 * run by its source's handler; failures are retried by the engine's policy, then dead. Thread-safe.
 */
final class InboxQueue implements WorkQueue<InboxQueue.Work> {

    /** One claimed message and, once run, how it ended. */
    static final class Work {
        final InboxMessage message;
        volatile Processing.Result result;

        Work(InboxMessage message) {
            this.message = message;
        }
    }

    private final InboxStore store;
    private final Function<String, InboxHandler> handlers;
    private final Clock clock;

    InboxQueue(InboxStore store, Function<String, InboxHandler> handlers, Clock clock) {
        this.store = store;
        this.handlers = handlers;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "inbox";
    }

    @Override
    public List<Work> claim(Claim claim) throws SQLException {
        List<Work> work = new ArrayList<>();
        for (InboxMessage m : store.claimDue(claim.owner(), claim.max(), claim.lease(), claim.now())) {
            work.add(new Work(m));
        }
        return work;
    }

    @Override
    public Outcome work(Work work) {
        InboxHandler handler = handlers.apply(work.message.source());
        if (handler == null) {
            return Outcome.retry(
                    "no handler is registered for inbox source '" + work.message.source() + "' in this application");
        }
        Processing.Result result = Processing.run(work.message, handler, clock);
        work.result = result;
        if (result.handled()) {
            return Outcome.DELIVERED;
        }
        String reason = result.error().getClass().getSimpleName() + ": "
                + result.error().getMessage();
        return result.invalid() ? Outcome.dead(reason) : Outcome.retry(reason);
    }

    @Override
    public void record(String owner, List<WorkResult<Work>> results) throws SQLException {
        List<InboxStore.Finished> finished = new ArrayList<>();
        for (WorkResult<Work> r : results) {
            Work w = r.work();
            Processing.Result result = w.result;
            if (result == null) { // not run: no handler here, or the work broke before the handler
                String reason = r.outcome() instanceof Outcome.Retry retry
                        ? retry.reason()
                        : r.outcome() instanceof Outcome.Dead dead ? dead.reason() : String.valueOf(r.outcome());
                finished.add(new InboxStore.Finished(
                        w.message.id(),
                        r.retryAt() == null ? "DEAD" : "FAILED",
                        r.finishedAt(),
                        0,
                        null,
                        null,
                        null,
                        null,
                        reason,
                        r.retryAt()));
                continue;
            }
            InboxStore.Finished f = result.finished(w.message.id(), r.retryAt());
            if (f.status().equals("FAILED") && r.retryAt() == null) {
                f = new InboxStore.Finished(
                        f.id(),
                        "DEAD",
                        f.finishedAt(),
                        f.processingMillis(),
                        f.responseStatus(),
                        f.responseBody(),
                        f.outcome(),
                        f.errorClass(),
                        f.errorMessage(),
                        null);
            }
            finished.add(f);
        }
        store.finish(owner, finished);
    }

    @Override
    public int attempt(Work work) {
        return work.message.attempt();
    }

    @Override
    public WorkContext context(Work work) {
        return new WorkContext(
                "inbox-" + work.message.id(),
                work.message.correlationId(),
                TraceContext.NONE,
                "inbox " + work.message.source() + " process");
    }
}
