package dev.ledgerbox.publisher.engine;

import dev.ledgerbox.outbox.spi.TraceContext;
import dev.ledgerbox.publisher.spi.Outcome;
import dev.ledgerbox.publisher.spi.WorkContext;
import dev.ledgerbox.publisher.spi.WorkQueue;
import dev.ledgerbox.publisher.spi.WorkResult;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The one work engine: claims due work of one {@link WorkQueue} in bounded batches with a lease
 * (a short transaction), runs each piece on a worker outside any transaction, in the trace stored
 * with it and with its ids in the MDC, applies the retry policy to its outcome, and records the
 * outcomes in batches on a recorder thread while the next batch is claimed. At most two batches
 * of work not done yet are in hand, and four counting the finished ones whose outcomes wait to be
 * recorded, besides pieces of lanes that wait for a slot or (in its
 * own pool) run past {@code slowAfter}, of which the queue claims a bounded number lane by lane
 * (see {@link WorkQueue#lane}): lanes whose work hangs hold back neither the workers nor the
 * claims of the others. When nothing is due it sleeps until {@link #wake()} (a commit
 * notification) or the poll interval; while the database is unreachable it backs off.
 *
 * <p>A queue that {@link WorkQueue#recordsInTheClaim} has its outcomes recorded in the next
 * claim's transaction while no backlog lasts (the recorder leaves them a few milliseconds for it).
 *
 * <p>A queue whose work never leaves the machine ({@link WorkQueue#workedInTheClaim}, a log line)
 * is claimed, worked and recorded in one transaction on the claim thread, and during a backlog in
 * a second one beside it: the workers and the recorder are not used for it.
 *
 * <p>Plain Java: no CDI, no HTTP. Work runs on the executor handed in (say a Jakarta Concurrency
 * {@code ManagedExecutorService} in an application server), else on a pool of its own of {@code
 * concurrency} workers. In its own pool, a piece still running after {@code slowAfter} no longer
 * counts against that number: a worker is started beside it, so that work that hangs (an endpoint
 * that never answers) holds its own lane's slots and not the workers of every other lane. Time
 * comes from the injected {@link Clock}. Thread-safe; {@link #start()} once, {@link #stop} once.
 *
 * @param <W> one claimed piece of work of the queue
 */
public final class WorkEngine<W> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WorkEngine.class);
    private static final Duration MAX_DB_BACKOFF = Duration.ofSeconds(30);
    /** Sleeps shorter than this just poll: telling the queue would cost more than it saves. */
    private static final long TELL_SLEEP_AFTER_MILLIS = 250;

    private static final Duration LINGER_LOOKS = Duration.ofMillis(5);

    private static final int RECORD_BATCH = 500;
    /** Batches in hand at most, finished ones waiting for the recorder included ({@link #room}). */
    private static final int MOST_BATCHES_IN_HAND = 4;

    private static final int RECORD_TRIES = 5;
    /** How long outcomes go to the recorder only after a claim failed to record them. */
    private static final long RECORD_APART_AFTER_A_FAILURE_NANOS = 1_000_000_000;
    /** How long the recorder gathers outcomes of work still running before it records. */
    private static final long GATHER_NANOS = 5_000_000;
    /**
     * Work running longer than this is not waited for when the recorder gathers: it is not about to
     * finish with the rest of its claim (an attempt that hangs would hold back every recording).
     */
    private static final long GATHER_BESIDE_WORK_YOUNGER_THAN_NANOS = 100_000_000;

    private static final TextMapGetter<TraceContext> TRACE_GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(TraceContext carrier) {
            return List.of("traceparent", "tracestate");
        }

        @Override
        public String get(TraceContext carrier, String key) {
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

    private final WorkQueue<W> queue;
    private final String owner;
    private final int batchSize;
    private final Duration lease;
    private final Duration pollInterval;
    private final Clock clock;
    private final RetryPolicy retry;
    private final Tracer tracer;
    private final Executor workers;
    private final ThreadPoolExecutor ownWorkers;
    private final int concurrency;
    private final long slowAfterNanos;
    /** The pieces running now, by the thread they run on (of the own pool or an executor handed in). */
    private final Map<Thread, OnWorker> onWorkers = new ConcurrentHashMap<>();
    /**
     * Pieces of lanes running past {@code slowAfter} at the recorder's last look at the workers
     * (every 100 ms at most); written by the recorder only.
     */
    private volatile int slowInLanes;
    /**
     * Pieces running longer than {@link #GATHER_BESIDE_WORK_YOUNGER_THAN_NANOS} at the recorder's
     * last look; the recorder's own.
     */
    private int longRunning;

    private final Lanes<W> lanes;
    private final DistributionSummary batchSizes;

    /** Outcomes waiting to be recorded: by the recorder, or by the next claim ({@link #takeForTheClaim}). */
    private final LinkedBlockingDeque<WorkResult<W>> finished = new LinkedBlockingDeque<>();
    /**
     * Whether the claim loop's last claim came back full (a backlog): outcomes are then recorded on
     * the recorder's own transaction, beside the claims, not in them.
     */
    private volatile boolean lastClaimFull;
    /**
     * Until when (System.nanoTime) outcomes go to the recorder only: a claim that failed with
     * outcomes (a recording that waited, say) leaves them to it for a second.
     */
    private volatile long recordApartUntilNanos = System.nanoTime();
    /** Claimed and not recorded yet. */
    private final AtomicInteger inHand = new AtomicInteger();
    /** Of those in hand, the finished ones: their outcomes wait for the recorder. */
    private final AtomicInteger unrecorded = new AtomicInteger();
    /** Recordings so far: a claim that finds little looks again when one happened meanwhile. */
    private final AtomicLong recorded = new AtomicLong();
    /** Released when work is recorded or when woken: the claim loop may look again. */
    private final Semaphore progress = new Semaphore(0);

    private final Semaphore wake = new Semaphore(0);
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile long heartbeatNanos = System.nanoTime();
    private volatile boolean databaseReachable;
    private volatile Thread loop;
    private volatile Thread recorder;
    /** For a queue worked in the claim: the second transaction's thread ({@link #besideLoop}). */
    private volatile Thread beside;
    /** Released when the loop's claim came back full: a backlog, the second transaction may join. */
    private final Semaphore backlog = new Semaphore(0);
    /** Transactions of a queue worked in the claim under way now. */
    private final AtomicInteger inTransaction = new AtomicInteger();
    /** How long after it last found work the loop looks again every {@link #LINGER_LOOKS} before it sleeps. */
    private final long lingerNanos;
    /** When the claim loop last found work; its own. */
    private long lastFoundNanos;

    private WorkEngine(Builder<W> b) {
        this.queue = b.queue;
        this.owner = b.owner;
        this.batchSize = b.batchSize;
        this.lease = b.lease;
        this.pollInterval = b.pollInterval;
        this.clock = b.clock;
        this.retry = b.retry;
        this.tracer = b.telemetry.getTracer("ledgerbox-publisher");
        if (b.executor != null) {
            this.workers = b.executor;
            this.ownWorkers = null;
        } else {
            String name = "ledgerbox-" + queue.name();
            this.ownWorkers = new ThreadPoolExecutor(
                    b.concurrency,
                    mostRunningAtOnce(b.concurrency, b.batchSize),
                    60,
                    TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(),
                    r -> {
                        Thread t = new Thread(r, name);
                        t.setDaemon(true);
                        return t;
                    });
            this.workers = ownWorkers;
        }
        this.concurrency = b.concurrency;
        this.slowAfterNanos = b.slowAfter.toNanos();
        this.lingerNanos = queue.unannouncedAfterSleeping().toNanos();
        this.lanes = new Lanes<>(this::startOnWorker);
        this.batchSizes = DistributionSummary.builder("ledgerbox.claim.batch.size")
                .description("pieces of work per claimed batch")
                .tag("queue", queue.name())
                .register(b.metrics);
    }

    /** A builder for an engine that drives {@code queue}. */
    public static <W> Builder<W> builder(WorkQueue<W> queue) {
        return new Builder<>(queue);
    }

    /** Starts the claim loop and the recorder on threads of their own. */
    public void start() {
        if (!running.compareAndSet(false, true)) {
            throw new IllegalStateException("the " + queue.name() + " engine is already running");
        }
        loop = new Thread(this::claimLoop, "ledgerbox-" + queue.name() + "-claims");
        recorder = new Thread(this::recordLoop, "ledgerbox-" + queue.name() + "-recorder");
        loop.start();
        recorder.start();
        if (queue.workedInTheClaim()) {
            beside = new Thread(this::besideLoop, "ledgerbox-" + queue.name() + "-claims-beside");
            beside.start();
        }
    }

    /** Wakes the loop now: new work may be due (a commit, a routing, a replay). */
    public void wake() {
        wake.release();
        progress.release();
    }

    /** Whether the loop runs and went round recently. */
    public boolean alive() {
        Thread t = loop;
        Duration quiet = pollInterval.plus(lease).plus(Duration.ofSeconds(60));
        return t != null && t.isAlive() && System.nanoTime() - heartbeatNanos < quiet.toNanos();
    }

    /** Whether the last statement reached the database. */
    public boolean databaseReachable() {
        return databaseReachable;
    }

    /**
     * How many pieces its own pool may run at once: {@code concurrency} workers, and beside slow
     * work as many more as pieces can be in hand (what a queue's connection pool must allow for).
     */
    public static int mostRunningAtOnce(int concurrency, int batchSize) {
        return concurrency + 2 * batchSize;
    }

    /** Pieces claimed and not recorded yet (waiting for a slot, running, or to be recorded). */
    public int inHand() {
        return inHand.get();
    }

    /**
     * Stops claiming, lets the work in hand finish and records it, within {@code grace}; what is
     * still unrecorded then comes back to any claimer when its lease ends.
     */
    public void stop(Duration grace) throws InterruptedException {
        if (!running.getAndSet(false)) {
            return;
        }
        long deadline = System.nanoTime() + grace.toNanos();
        wake();
        loop.join(Math.max(1, grace.toMillis()));
        if (beside != null) {
            backlog.release(); // it waits for a backlog, or finishes its transaction first
            beside.join(millisUntil(deadline));
        }
        if (ownWorkers != null) {
            ownWorkers.shutdown();
            ownWorkers.awaitTermination(millisUntil(deadline), TimeUnit.MILLISECONDS);
        }
        while (inHand.get() > 0 && System.nanoTime() < deadline) {
            progress.tryAcquire(Math.min(100, millisUntil(deadline)), TimeUnit.MILLISECONDS);
        }
        recorder.interrupt();
        recorder.join(millisUntil(deadline));
    }

    @Override
    public void close() throws InterruptedException {
        stop(Duration.ofSeconds(30));
    }

    private static long millisUntil(long deadline) {
        return Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
    }

    // ---- claiming

    private void claimLoop() {
        Duration backoff = Duration.ofSeconds(1);
        int half = Math.max(1, batchSize / 2);
        while (running.get()) {
            heartbeatNanos = System.nanoTime();
            int room = room();
            if (room < half) {
                awaitProgress(pollInterval); // two batches to do: wait until one is recorded
                continue;
            }
            int asked = Math.min(batchSize, room);
            wake.drainPermits(); // this claim sees what those wake-ups announced; later ones count
            long recordedBefore = recorded.get();
            int claimed;
            try {
                claimed = claim(new WorkQueue.Claim(owner, asked, lease, clock.instant()));
                databaseReachable = true;
                backoff = Duration.ofSeconds(1);
            } catch (SQLException e) {
                databaseReachable = false;
                LOG.warn("{}: database unreachable, retrying in {}: {}", queue.name(), backoff, e.getMessage());
                awaitProgress(backoff);
                backoff = backoff.multipliedBy(2).compareTo(MAX_DB_BACKOFF) > 0
                        ? MAX_DB_BACKOFF
                        : backoff.multipliedBy(2);
                continue;
            } catch (RuntimeException e) {
                LOG.error("{}: the claim failed unexpectedly, going on", queue.name(), e);
                awaitProgress(Duration.ofSeconds(1));
                continue;
            }
            if (claimed > 0) {
                batchSizes.record(claimed);
                lastFoundNanos = System.nanoTime();
            }
            lastClaimFull = claimed == asked;
            if (claimed == asked && beside != null) {
                backlog.release(); // a backlog: a second transaction beside this loop's
            }
            if (claimed < asked) { // nothing more is due now
                if (recorded.get() != recordedBefore) {
                    continue; // but what was recorded meanwhile may have made more due
                }
                if (inHand.get() > 0 || inTransaction.get() > 0) {
                    // what is being recorded may make more due (the next event of an aggregate):
                    // look again after it rather than sleep, which makes every writer notify
                    awaitProgress(pollInterval);
                } else if (System.nanoTime() - lastFoundNanos < lingerNanos) {
                    // work came a moment ago and more may follow: a sleep would leave what comes
                    // unannounced meanwhile to the look after it, so look every few milliseconds instead
                    lingerUntilDue();
                } else {
                    sleepUntilWoken();
                }
            }
        }
    }

    /**
     * How many pieces the next claim may take: two batches of work not done yet (running or waiting
     * for a worker), and four batches in all with the finished ones whose outcomes wait for the
     * recorder. Those are not counted in the two: the recorder gathers outcomes for a few
     * milliseconds and then writes them, and while that took, say, 8 ms of a backlog's 16 ms in
     * hand, the claims waited for it and the workers ran out of work (a tenth of two cores idle
     * while webhooks drained). Pieces of lanes that wait for a slot or hang are not counted either:
     * the queue bounds them, lane by lane, and lanes that hang must not hold back the claims of the
     * others.
     */
    private int room() {
        int held = inHand.get() - lanes.waiting() - slowInLanes;
        int notDone = held - unrecorded.get();
        return Math.min(2 * batchSize - notDone, MOST_BATCHES_IN_HAND * batchSize - held);
    }

    /**
     * Claims a batch and starts its work on the workers, or, for a queue whose work never leaves
     * the machine, claims, works and records it in one transaction here; returns how many pieces
     * it claimed.
     */
    private int claim(WorkQueue.Claim claim) throws SQLException {
        if (queue.workedInTheClaim()) {
            inTransaction.incrementAndGet();
            try {
                int done = queue.claimWorkAndRecord(claim, this::runHere).size();
                if (done > 0) {
                    recorded.incrementAndGet(); // may have made more due: the loop looks again
                }
                return done;
            } finally {
                inTransaction.decrementAndGet();
                progress.release();
            }
        }
        List<WorkResult<W>> outcomes = takeForTheClaim();
        List<W> batch = null;
        if (!outcomes.isEmpty()) {
            try {
                batch = queue.recordAndClaim(outcomes, claim);
                unrecorded.addAndGet(-outcomes.size()); // recorded: the claim saw what they made due
                inHand.addAndGet(-outcomes.size());
            } catch (SQLException | RuntimeException e) {
                // the recorder records them, with its retries, and the claim goes on without them
                LOG.debug(
                        "{}: a claim could not record {} outcome(s): {}",
                        queue.name(),
                        outcomes.size(),
                        e.getMessage());
                for (int i = outcomes.size() - 1; i >= 0; i--) {
                    finished.addFirst(outcomes.get(i));
                }
                recordApartUntilNanos = System.nanoTime() + RECORD_APART_AFTER_A_FAILURE_NANOS;
            }
        }
        if (batch == null) {
            batch = queue.claim(claim);
        }
        inHand.addAndGet(batch.size());
        for (W work : batch) {
            Object lane = queue.lane(work);
            if (lane == null) {
                startOnWorker(work);
            } else {
                lanes.add(lane, queue.laneLimit(work), work);
            }
        }
        return batch.size();
    }

    /**
     * The outcomes the next claim records in its transaction ({@link WorkQueue#recordsInTheClaim}):
     * those waiting, unless a backlog lasts. Then the recorder's transactions run beside the claims,
     * which taking the recordings on would make one after the other.
     */
    private List<WorkResult<W>> takeForTheClaim() {
        if (!recordsInTheClaimNow() || finished.isEmpty()) {
            return List.of();
        }
        List<WorkResult<W>> outcomes = new ArrayList<>();
        finished.drainTo(outcomes, RECORD_BATCH);
        return outcomes;
    }

    /** Whether the next claim may record outcomes: the queue can, no backlog lasts, no claim failed with them lately. */
    private boolean recordsInTheClaimNow() {
        return queue.recordsInTheClaim() && !lastClaimFull && System.nanoTime() - recordApartUntilNanos >= 0;
    }

    /**
     * For a queue worked in the claim: while a backlog lasts (the claim loop's last claim came back
     * full, and then its own), a second transaction beside the loop's, so that one batch's work in
     * this JVM overlaps the other's statements in the database; as with two batches in hand, at
     * most two. Other claimers skip the rows one holds, and an aggregate's next event waits until
     * the transaction holding its previous one committed. Never sleeps with the queue's protocol:
     * the loop does.
     */
    private void besideLoop() {
        while (running.get()) {
            try {
                if (!backlog.tryAcquire(pollInterval.toMillis(), TimeUnit.MILLISECONDS) || !running.get()) {
                    continue;
                }
                backlog.drainPermits();
                int claimed;
                do {
                    claimed = claim(new WorkQueue.Claim(owner, batchSize, lease, clock.instant()));
                    if (claimed > 0) {
                        batchSizes.record(claimed);
                    }
                } while (claimed == batchSize && running.get());
            } catch (InterruptedException e) {
                return; // stopping
            } catch (SQLException e) {
                LOG.debug("{}: the second transaction's claim failed: {}", queue.name(), e.getMessage());
            } catch (RuntimeException e) {
                LOG.error("{}: the second transaction's claim failed unexpectedly, going on", queue.name(), e);
            }
        }
    }

    /**
     * Looks every {@link #LINGER_LOOKS} whether work is due ({@link WorkQueue#due}, a read, not a
     * claim) until it is, the engine is woken, or the moment after the last work found is over.
     */
    private void lingerUntilDue() {
        while (running.get() && System.nanoTime() - lastFoundNanos < lingerNanos) {
            try {
                if (wake.tryAcquire(LINGER_LOOKS.toMillis(), TimeUnit.MILLISECONDS) || queue.due()) {
                    return;
                }
            } catch (SQLException e) {
                return; // the claim says more
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running.set(false);
            }
        }
    }

    private void awaitProgress(Duration atMost) {
        try {
            if (progress.tryAcquire(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
                progress.drainPermits();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.set(false);
        }
    }

    /**
     * Sleeps until woken or the poll interval. The queue is told first (the outbox then has its
     * writers notify, and looks once more for what committed in between), again once what may
     * still arrive unannounced has had its time, and again every minute.
     */
    private void sleepUntilWoken() {
        long remaining = pollInterval.toMillis();
        long unannounced = queue.unannouncedAfterSleeping().toMillis();
        boolean told = false;
        try {
            while (remaining > 0 && running.get()) {
                long chunk = Math.min(remaining, 60_000);
                if (remaining >= TELL_SLEEP_AFTER_MILLIS) {
                    boolean first = !told;
                    told = true;
                    if (queue.sleeping(owner)) {
                        return;
                    }
                    if (first && unannounced > 0) {
                        chunk = Math.min(chunk, unannounced);
                    }
                }
                if (wake.tryAcquire(chunk, TimeUnit.MILLISECONDS)) {
                    return;
                }
                remaining -= chunk;
            }
        } catch (SQLException e) {
            databaseReachable = false;
            LOG.debug("{}: could not record the sleep: {}", queue.name(), e.getMessage());
            try {
                wake.tryAcquire(Math.max(remaining, 0), TimeUnit.MILLISECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                running.set(false);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.set(false);
        } finally {
            wake.drainPermits();
            progress.drainPermits();
            if (told) {
                try {
                    queue.awake(owner);
                } catch (SQLException e) {
                    LOG.debug("{}: could not record the wake-up: {}", queue.name(), e.getMessage());
                }
            }
        }
    }

    // ---- working

    private void startOnWorker(W work) {
        try {
            workers.execute(() -> run(work));
        } catch (RejectedExecutionException e) { // stopping: give it back unattempted
            done(work, new WorkResult<>(work, Outcome.giveBack("the engine is stopping"), null, clock.instant()));
        }
    }

    /**
     * Sizes the own pool to {@code concurrency} workers plus one for each piece running longer than
     * {@code slowAfter}; a worker beyond that number ends when it is next idle. Wakes the claim
     * loop when more pieces of lanes became slow: they no longer count against the batches in hand.
     * Also counts the pieces the recorder's gathering does not wait for ({@link #longRunning}), on
     * any executor.
     */
    private void makeRoomBesideSlowWork() {
        long now = System.nanoTime();
        long slowSince = now - slowAfterNanos;
        long longSince = now - GATHER_BESIDE_WORK_YOUNGER_THAN_NANOS;
        int slow = 0;
        int slowOfLanes = 0;
        int running = 0;
        for (OnWorker piece : onWorkers.values()) {
            if (piece.since() - slowSince < 0) {
                slow++;
                slowOfLanes += piece.inLane() ? 1 : 0;
            }
            if (piece.since() - longSince < 0) {
                running++;
            }
        }
        longRunning = running;
        if (ownWorkers == null || ownWorkers.isShutdown()) {
            return; // an executor handed in is sized by its owner
        }
        int size = Math.min(concurrency + slow, ownWorkers.getMaximumPoolSize());
        if (ownWorkers.getCorePoolSize() != size) {
            ownWorkers.setCorePoolSize(size); // starts workers for pieces waiting, if any
        }
        boolean more = slowOfLanes > slowInLanes;
        slowInLanes = slowOfLanes;
        if (more) {
            progress.release();
        }
    }

    private void run(W work) {
        WorkResult<W> result;
        onWorkers.put(Thread.currentThread(), new OnWorker(System.nanoTime(), queue.lane(work) != null));
        try {
            result = runHere(work);
        } finally {
            onWorkers.remove(Thread.currentThread()); // before the recorder hears of it: no longer running
        }
        done(work, result);
    }

    private WorkResult<W> runHere(W work) {
        WorkContext context = queue.context(work);
        Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), context.trace(), TRACE_GETTER);
        Span span = tracer.spanBuilder(context.spanName())
                .setParent(parent)
                .setSpanKind(SpanKind.CONSUMER)
                .setAttribute("messaging.system", "ledgerbox")
                .setAttribute("messaging.operation.type", "process")
                .setAttribute("messaging.message.id", context.eventId())
                .startSpan();
        WorkResult<W> result;
        try (Scope scope = span.makeCurrent();
                Mdc mdc = Mdc.of(context, span.getSpanContext())) {
            Outcome outcome;
            try {
                outcome = queue.work(work);
            } catch (Exception | LinkageError e) { // a piece that breaks is retried, never lost in hand
                LOG.warn("{}: work {} failed unexpectedly", queue.name(), context.eventId(), e);
                outcome = Outcome.retry(e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            result = resolve(work, outcome == null ? Outcome.retry("the work returned no outcome") : outcome);
            tell(result, context);
        } finally {
            span.end();
        }
        return result;
    }

    /** The queue hears of the settled outcome; when it does not log it, a failure is logged here. */
    private void tell(WorkResult<W> result, WorkContext context) {
        boolean logged = false;
        try {
            logged = queue.finished(result);
        } catch (RuntimeException e) {
            LOG.warn("{}: finishing work {} failed", queue.name(), context.eventId(), e);
        }
        if (logged) {
            return;
        }
        int attempt = queue.attempt(result.work());
        if (result.outcome() instanceof Outcome.Retry retry) {
            LOG.warn(
                    "{} work {} failed on attempt {} (retry at {}): {}",
                    queue.name(),
                    context.eventId(),
                    attempt,
                    result.retryAt(),
                    retry.reason());
        } else if (result.outcome() instanceof Outcome.Dead dead) {
            LOG.warn(
                    "{} work {} failed on attempt {} (dead): {}",
                    queue.name(),
                    context.eventId(),
                    attempt,
                    dead.reason());
        }
    }

    private void done(W work, WorkResult<W> result) {
        unrecorded.incrementAndGet(); // before the recorder can take it off
        finished.add(result);
        Object lane = queue.lane(work);
        if (lane != null) {
            lanes.finished(lane);
        }
    }

    /** Applies the retry policy: a retry gets its time, or becomes dead after the last attempt. */
    private WorkResult<W> resolve(W work, Outcome outcome) {
        Instant now = clock.instant();
        if (!(outcome instanceof Outcome.Retry retry)) {
            return new WorkResult<>(work, outcome, null, now);
        }
        int attempt = queue.attempt(work);
        Instant at = this.retry.retryAt(attempt, retry.after(), now);
        if (at == null) {
            return new WorkResult<>(
                    work, Outcome.dead("gave up after " + attempt + " attempts: " + retry.reason()), null, now);
        }
        return new WorkResult<>(work, outcome, at, now);
    }

    // ---- recording

    private void recordLoop() {
        List<WorkResult<W>> batch = new ArrayList<>();
        // until the claim loop has ended, a claim begun before a stop may still bring work in hand
        while (running.get() || loop.isAlive() || inHand.get() > 0) {
            try {
                WorkResult<W> first = finished.poll(100, TimeUnit.MILLISECONDS);
                makeRoomBesideSlowWork(); // at least every 100 ms: work that became slow frees its place
                if (first == null) {
                    continue;
                }
                if (recordsInTheClaimNow() && running.get()) {
                    // no backlog: the next claim, which comes as work does, may record it in its
                    // transaction (one commit where there are two); what it leaves is recorded here
                    finished.addFirst(first);
                    Thread.sleep(GATHER_NANOS / 1_000_000);
                    finished.drainTo(batch, RECORD_BATCH);
                    record(batch);
                    batch.clear();
                    continue;
                }
                batch.add(first);
                finished.drainTo(batch, RECORD_BATCH - 1);
                // while work of the same claims still runs, let it join this recording for a few
                // milliseconds: one transaction for many outcomes rather than one for each few (work
                // that has run far longer is not waited for)
                long until = System.nanoTime() + GATHER_NANOS;
                while (batch.size() < RECORD_BATCH && onWorkers.size() > longRunning) {
                    long left = until - System.nanoTime();
                    WorkResult<W> next = left > 0 ? finished.poll(left, TimeUnit.NANOSECONDS) : null;
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                    finished.drainTo(batch, RECORD_BATCH - batch.size());
                }
                record(batch);
                batch.clear();
            } catch (InterruptedException e) {
                finished.drainTo(batch); // stopping: record what is finished, then end
                record(batch);
                return;
            }
        }
    }

    private void record(List<WorkResult<W>> batch) {
        if (batch.isEmpty()) {
            return;
        }
        try {
            for (int tries = 1; ; tries++) {
                try {
                    queue.record(owner, batch);
                    databaseReachable = true;
                    return;
                } catch (SQLException e) {
                    databaseReachable = false;
                    if (tries >= RECORD_TRIES || !running.get()) {
                        LOG.warn(
                                "{}: could not record the outcome of {} piece(s) of work ({}); they will be done"
                                        + " again when their leases end",
                                queue.name(),
                                batch.size(),
                                e.getMessage());
                        return;
                    }
                    Thread.sleep(200L * tries);
                } catch (RuntimeException e) {
                    LOG.error("{}: recording failed unexpectedly", queue.name(), e);
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            recorded.incrementAndGet();
            unrecorded.addAndGet(-batch.size());
            inHand.addAndGet(-batch.size());
            progress.release();
        }
    }

    /** A piece running: since when, and whether it is of a lane. */
    private record OnWorker(long since, boolean inLane) {}

    /** The work's ids in the MDC, removed on close. */
    private static final class Mdc implements AutoCloseable {
        static Mdc of(WorkContext context, SpanContext span) {
            boolean ownSpan = span != null && span.isValid();
            put("correlation_id", context.correlationId());
            put("trace_id", ownSpan ? span.getTraceId() : context.trace().traceId());
            put("span_id", ownSpan ? span.getSpanId() : context.trace().spanId());
            put("event_id", context.eventId());
            return new Mdc();
        }

        private static void put(String key, String value) {
            if (value != null) {
                MDC.put(key, value);
            }
        }

        @Override
        public void close() {
            MDC.remove("correlation_id");
            MDC.remove("trace_id");
            MDC.remove("span_id");
            MDC.remove("event_id");
        }
    }

    /**
     * Builds an engine; {@link #build()} checks every value and names the bad one. Not
     * thread-safe.
     */
    public static final class Builder<W> {
        private final WorkQueue<W> queue;
        private String owner;
        private int batchSize = 100;
        private int concurrency = 4;
        private Duration slowAfter = Duration.ofSeconds(1);
        private Duration lease = Duration.ofSeconds(30);
        private Duration pollInterval = Duration.ofSeconds(1);
        private Clock clock = Clock.systemUTC();
        private RetryPolicy retry = new RetryPolicy(
                RetryPolicy.exponential(Duration.ofSeconds(1), Duration.ofMinutes(10), 10),
                0.2,
                Duration.ofHours(1),
                () -> ThreadLocalRandom.current().nextDouble());
        private Executor executor;
        private MeterRegistry metrics = new SimpleMeterRegistry();
        private OpenTelemetry telemetry = OpenTelemetry.noop();

        private Builder(WorkQueue<W> queue) {
            this.queue = Objects.requireNonNull(queue, "queue");
        }

        /** Who holds the claims, unique per running engine (default: the queue's name and the pid). */
        public Builder<W> owner(String owner) {
            this.owner = owner;
            return this;
        }

        /** At most this many pieces per claim; at most two claims are in hand. */
        public Builder<W> batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Workers of the engine's own pool (ignored when an executor is handed in). */
        public Builder<W> concurrency(int concurrency) {
            this.concurrency = concurrency;
            return this;
        }

        /**
         * After how long a piece of work no longer counts against {@link #concurrency}: the own
         * pool starts a worker beside it (default 1 s; ignored when an executor is handed in).
         */
        public Builder<W> slowAfter(Duration slowAfter) {
            this.slowAfter = slowAfter;
            return this;
        }

        /** How long a claim is held before another claimer may take the work. */
        public Builder<W> lease(Duration lease) {
            this.lease = lease;
            return this;
        }

        /** The longest sleep between claims when no notification comes. */
        public Builder<W> pollInterval(Duration pollInterval) {
            this.pollInterval = pollInterval;
            return this;
        }

        public Builder<W> clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public Builder<W> retryPolicy(RetryPolicy retry) {
            this.retry = retry;
            return this;
        }

        /** Where the work runs, e.g. a {@code ManagedExecutorService}; the engine does not shut it down. */
        public Builder<W> executor(Executor executor) {
            this.executor = executor;
            return this;
        }

        public Builder<W> metrics(MeterRegistry metrics) {
            this.metrics = metrics;
            return this;
        }

        /** The OpenTelemetry whose tracer makes the work's spans (default: no-op). */
        public Builder<W> telemetry(OpenTelemetry telemetry) {
            this.telemetry = telemetry;
            return this;
        }

        public WorkEngine<W> build() {
            if (owner == null || owner.isBlank()) {
                owner = queue.name() + "@" + ProcessHandle.current().pid();
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize must be >= 1, was " + batchSize);
            }
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency must be >= 1, was " + concurrency);
            }
            if (slowAfter == null || slowAfter.compareTo(Duration.ofMillis(1)) < 0) {
                throw new IllegalArgumentException("slowAfter must be at least 1 ms, was " + slowAfter);
            }
            if (lease == null || lease.compareTo(Duration.ofMillis(1)) < 0) {
                throw new IllegalArgumentException("lease must be at least 1 ms, was " + lease);
            }
            if (pollInterval == null || pollInterval.compareTo(Duration.ofMillis(1)) < 0) {
                throw new IllegalArgumentException("pollInterval must be at least 1 ms, was " + pollInterval);
            }
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(retry, "retryPolicy");
            Objects.requireNonNull(metrics, "metrics");
            Objects.requireNonNull(telemetry, "telemetry");
            return new WorkEngine<>(this);
        }
    }
}
