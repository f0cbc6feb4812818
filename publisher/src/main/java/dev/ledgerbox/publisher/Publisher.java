package dev.ledgerbox.publisher;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The claim loop: claim a batch (one short transaction), deliver every event of it to the sink
 * outside any transaction, record the outcomes (another short transaction, on a recorder thread
 * while the loop claims the next batch; at most two batches are in hand), repeat; when nothing
 * is due, sleep until a commit notification or the poll interval. Per-aggregate order comes from
 * the claim query: an event is claimable only when its aggregate's previous event is delivered.
 *
 * <p>Each delivery runs in the trace stored with the event (an OpenTelemetry {@code process}
 * span, a no-op without an SDK) and with {@code correlation_id}, {@code trace_id}, {@code span_id}
 * and {@code event_id} in the MDC, so every log line written meanwhile carries them.
 */
public final class Publisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);
    private static final Duration MAX_DB_BACKOFF = Duration.ofSeconds(30);
    /** Sleeps shorter than this just poll: asking for notifications would cost more than it saves. */
    private static final long NOTIFY_AFTER_MILLIS = 250;

    private static final TextMapGetter<ClaimedEvent> TRACE_GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(ClaimedEvent carrier) {
            return List.of("traceparent", "tracestate");
        }

        @Override
        public String get(ClaimedEvent carrier, String key) {
            if (carrier == null) {
                return null;
            }
            return switch (key) {
                case "traceparent" -> carrier.traceparent();
                case "tracestate" -> carrier.tracestate();
                default -> null;
            };
        }
    };

    private final PublisherSettings settings;
    private final OutboxStore store;
    private final Sink sink;
    private final Handoff handoff;
    private final MeterRegistry metrics;
    private final Tracer tracer;
    private final ExecutorService deliveries;
    private final Semaphore wake = new Semaphore(0);
    private final Semaphore outstanding = new Semaphore(2);
    private final ExecutorService recorder = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "ledgerbox-recorder");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicReference<Instant> heartbeat = new AtomicReference<>(Instant.now());
    private volatile boolean databaseReachable;
    private volatile Thread loop;

    private final DistributionSummary batchSizes;
    private final Timer latency;

    /** With the given OpenTelemetry (an SDK, or the no-op API when none is installed). */
    public Publisher(
            PublisherSettings settings, OutboxStore store, Sink sink, MeterRegistry metrics, OpenTelemetry telemetry) {
        this(settings, store, sink, Handoff.NONE, metrics, telemetry);
    }

    /**
     * With a handoff that runs in the transaction marking events delivered (the webhook router),
     * and the given OpenTelemetry.
     */
    public Publisher(
            PublisherSettings settings,
            OutboxStore store,
            Sink sink,
            Handoff handoff,
            MeterRegistry metrics,
            OpenTelemetry telemetry) {
        this.tracer = telemetry.getTracer("ledgerbox-publisher");
        this.settings = settings;
        this.store = store;
        this.sink = sink;
        this.handoff = handoff;
        this.metrics = metrics;
        this.deliveries = Executors.newFixedThreadPool(settings.concurrency(), r -> {
            Thread t = new Thread(r, "ledgerbox-delivery");
            t.setDaemon(true);
            return t;
        });
        this.batchSizes = DistributionSummary.builder("ledgerbox.claim.batch.size")
                .description("events per claimed batch")
                .register(metrics);
        this.latency = Timer.builder("ledgerbox.delivery.latency")
                .description("time from the event's commit to its delivery")
                .publishPercentileHistogram()
                .register(metrics);
    }

    /** Starts the claim loop on its own thread. */
    public void start() {
        if (!running.compareAndSet(false, true)) {
            throw new IllegalStateException("the publisher is already running");
        }
        Thread t = new Thread(this::runLoop, "ledgerbox-publisher");
        loop = t;
        t.start();
    }

    /** Wakes the loop now: new events were committed. */
    public void wake() {
        wake.release();
    }

    /**
     * Stops claiming, lets the batch in hand finish and record its outcomes, and returns when the
     * loop has ended or the grace period has passed.
     */
    public void stop(Duration grace) throws InterruptedException {
        running.set(false);
        wake.release();
        Thread t = loop;
        if (t != null) {
            t.join(grace.toMillis());
        }
        recorder.shutdown(); // records what was delivered, then ends
        recorder.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
        deliveries.shutdown();
        deliveries.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        stop(Duration.ofSeconds(30));
    }

    /** Whether the loop runs and went round recently. */
    public boolean alive() {
        Thread t = loop;
        Duration quiet = settings.pollInterval().plus(settings.lease()).plus(Duration.ofSeconds(30));
        return t != null && t.isAlive() && heartbeat.get().plus(quiet).isAfter(Instant.now());
    }

    public boolean databaseReachable() {
        return databaseReachable;
    }

    private void runLoop() {
        Duration backoff = Duration.ofSeconds(1);
        while (running.get()) {
            heartbeat.set(Instant.now());
            List<ClaimedEvent> batch;
            try {
                batch = store.claim(settings.instanceId(), settings.batchSize(), settings.lease());
                databaseReachable = true;
                backoff = Duration.ofSeconds(1);
            } catch (SQLException e) {
                databaseReachable = false;
                LOG.warn("database unreachable, retrying in {}: {}", backoff, e.getMessage());
                sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(MAX_DB_BACKOFF) > 0
                        ? MAX_DB_BACKOFF
                        : backoff.multipliedBy(2);
                continue;
            }
            if (batch.isEmpty()) {
                try {
                    if (outstanding.availablePermits() < 2) {
                        // batches are still being recorded: wait for them and look again before
                        // going to sleep, which costs two commits and makes every writer notify
                        outstanding.acquire(2);
                        outstanding.release(2);
                    } else {
                        sleepUntilWoken();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                continue;
            }
            batchSizes.record(batch.size());
            try {
                outstanding.acquire(); // at most two batches between claim and record
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return; // leases run out and another round takes the events
            }
            List<Future<Result>> futures = new ArrayList<>(batch.size());
            for (ClaimedEvent event : batch) {
                futures.add(deliveries.submit(() -> new Result(event, deliverOne(event))));
            }
            recorder.execute(() -> {
                try {
                    awaitAndRecord(futures);
                } finally {
                    outstanding.release();
                }
            });
        }
    }

    /**
     * Sleeps until a commit notification or the poll interval. The writer notifies only while a
     * publisher is recorded as sleeping, so the record is made first, then the outbox is looked at
     * once more (for what committed in between), and the record is refreshed every minute.
     */
    private void sleepUntilWoken() throws InterruptedException {
        long remaining = settings.pollInterval().toMillis();
        boolean recorded = false;
        try {
            while (remaining > 0 && running.get()) {
                if (remaining >= NOTIFY_AFTER_MILLIS) {
                    store.sleeping(settings.instanceId());
                    recorded = true;
                    wake.drainPermits();
                    if (store.hasDue()) {
                        return;
                    }
                }
                long chunk = Math.min(remaining, 60_000);
                if (wake.tryAcquire(chunk, TimeUnit.MILLISECONDS)) {
                    return;
                }
                remaining -= chunk;
            }
        } catch (SQLException e) {
            databaseReachable = false;
            LOG.debug("could not record the publisher's sleep: {}", e.getMessage());
            wake.tryAcquire(Math.max(remaining, 0), TimeUnit.MILLISECONDS);
        } finally {
            wake.drainPermits();
            if (recorded) {
                try {
                    store.awake(settings.instanceId());
                } catch (SQLException e) {
                    LOG.debug("could not record the publisher's wake-up: {}", e.getMessage());
                }
            }
        }
    }

    private record Result(ClaimedEvent event, Outcome outcome) {}

    /**
     * Waits for a batch's deliveries and records their outcomes, on the recorder thread, while the
     * loop claims the next batch: claiming and recording are the two costly statements, and they
     * overlap this way.
     */
    private void awaitAndRecord(List<Future<Result>> futures) {
        List<ClaimedEvent> delivered = new ArrayList<>();
        List<Result> failed = new ArrayList<>();
        for (Future<Result> f : futures) {
            try {
                Result r = f.get();
                if (r.outcome() instanceof Outcome.Delivered) {
                    delivered.add(r.event());
                    latency.record(Duration.between(r.event().occurredAt(), Instant.now()));
                    Counter.builder("ledgerbox.events.delivered")
                            .tag("type", r.event().type())
                            .tag("sink", sink.name())
                            .register(metrics)
                            .increment();
                } else {
                    failed.add(r);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return; // leases run out and another round takes the events
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("a delivery task failed outside the sink", e.getCause());
            }
        }
        record(delivered, failed);
    }

    /** Records outcomes; if the database is away, the leases run out and the events come back. */
    private void record(List<ClaimedEvent> delivered, List<Result> failed) {
        try {
            store.delivered(settings.instanceId(), delivered, handoff);
            for (Result r : failed) {
                recordFailure(r.event(), r.outcome());
            }
        } catch (SQLException e) {
            databaseReachable = false;
            LOG.warn(
                    "could not record the outcome of {} deliveries ({}); they will be delivered again when their"
                            + " leases end",
                    delivered.size() + failed.size(),
                    e.getMessage());
        }
    }

    private void recordFailure(ClaimedEvent event, Outcome outcome) throws SQLException {
        String reason;
        Instant retryAt;
        if (outcome instanceof Outcome.Dead dead) {
            reason = dead.reason();
            retryAt = null;
        } else {
            Outcome.Retry retry = (Outcome.Retry) outcome;
            reason = retry.reason();
            retryAt = event.attempt() >= settings.maxAttempts()
                    ? null
                    : Instant.now().plus(retry.after() != null ? retry.after() : settings.backoff(event.attempt()));
            if (retryAt == null) {
                reason = "gave up after " + event.attempt() + " attempts: " + reason;
            }
        }
        store.failed(settings.instanceId(), event.id(), reason, retryAt);
        String why = reason;
        String when = retryAt == null ? "dead" : "retry at " + retryAt;
        Counter.builder("ledgerbox.events.failed")
                .tag("type", event.type())
                .tag("sink", sink.name())
                .tag("outcome", retryAt == null ? "dead" : "retry")
                .register(metrics)
                .increment();
        withContext(
                event,
                null,
                () -> LOG.warn(
                        "outbox event {} failed on attempt {} ({}): {}", event.id(), event.attempt(), when, why));
    }

    /** One delivery, in the event's trace and logging context. */
    private Outcome deliverOne(ClaimedEvent event) {
        String problem = EventChecks.problem(event);
        if (problem != null) {
            return Outcome.dead(problem);
        }
        Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), event, TRACE_GETTER);
        Span span = tracer.spanBuilder(event.type() + " process")
                .setParent(parent)
                .setSpanKind(SpanKind.CONSUMER)
                .setAttribute("messaging.system", "ledgerbox")
                .setAttribute("messaging.operation.type", "process")
                .setAttribute("messaging.message.id", event.id().toString())
                .startSpan();
        Outcome[] outcome = new Outcome[1];
        try (Scope scope = span.makeCurrent()) {
            withContext(event, span.getSpanContext(), () -> {
                try {
                    outcome[0] = sink.deliver(event);
                } catch (Exception e) {
                    outcome[0] = Outcome.retry(e.getClass().getSimpleName() + ": " + e.getMessage());
                }
            });
        } finally {
            span.end();
        }
        return outcome[0];
    }

    /** Runs with the event's ids in the MDC, and removes them after. */
    private static void withContext(ClaimedEvent event, SpanContext span, Runnable work) {
        boolean ownSpan = span != null && span.isValid();
        put("correlation_id", event.correlationId());
        put("trace_id", ownSpan ? span.getTraceId() : EventChecks.traceId(event.traceparent()));
        put("span_id", ownSpan ? span.getSpanId() : EventChecks.spanId(event.traceparent()));
        put("event_id", event.id().toString());
        try {
            work.run();
        } finally {
            MDC.remove("correlation_id");
            MDC.remove("trace_id");
            MDC.remove("span_id");
            MDC.remove("event_id");
        }
    }

    private static void put(String key, String value) {
        if (value != null) {
            MDC.put(key, value);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
