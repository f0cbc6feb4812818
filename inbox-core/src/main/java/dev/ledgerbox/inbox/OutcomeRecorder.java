package dev.ledgerbox.inbox;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records how processings in requests ended, after the answer, without a commit of their own where
 * it can: a request hands its outcome over and returns; the next capture {@link #take takes} the
 * outcomes waiting at that moment into its own statement, so they are committed with it. An outcome
 * that no capture takes within the linger (a quiet moment) is written by this recorder's thread, with
 * whatever else waits, in one statement and one commit. Under load a request thus pays one commit
 * of its own, its capture's, and the outcomes none.
 *
 * <p>Until an outcome is committed its message stays {@code PROCESSING}: a duplicate this instance
 * receives meanwhile {@link #await awaits} it (the thread then writes at once); another instance
 * answers it 409. Should the process die first, the message keeps its lease and, once the lease runs
 * out, the background runs it again (handlers are idempotent by the sender's key). When {@value
 * #QUEUE} outcomes wait, requests wait for room. Thread-safe; one recording thread, started on
 * first use.
 */
final class OutcomeRecorder implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OutcomeRecorder.class);

    /** Most outcomes written in one statement, by the thread or with a capture. */
    static final int BATCH = 500;

    static final int QUEUE = 10_000;

    /** An outcome waiting to be written, since {@code queuedAt} ({@link System#nanoTime}). */
    record Pending(InboxStore.Finished finished, long queuedAt, CompletableFuture<Void> written) {}

    private final InboxStore store;
    private final String owner;
    private final long lingerNanos;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>(QUEUE);
    /** The outcomes queued, riding with a capture or being written, by message id. */
    private final Map<Long, CompletableFuture<Void>> unwritten = new ConcurrentHashMap<>();
    /** Someone waits for an outcome: the thread writes what is queued without lingering. */
    private final AtomicBoolean urgent = new AtomicBoolean();

    private volatile Thread thread;
    private volatile boolean closed;

    OutcomeRecorder(InboxStore store, String owner, Duration linger) {
        this.store = store;
        this.owner = owner;
        this.lingerNanos = linger.toNanos();
    }

    /** Queues the outcome and returns; a capture or the thread commits it shortly after. */
    void record(InboxStore.Finished finished) {
        if (thread == null) {
            start();
        }
        Pending pending = new Pending(finished, System.nanoTime(), new CompletableFuture<>());
        unwritten.put(finished.id(), pending.written());
        boolean wasEmpty = queue.isEmpty();
        if (closed || !offer(pending)) {
            write(List.of(pending)); // stopped (or interrupted while waiting for room): written here
        } else if (wasEmpty) {
            LockSupport.unpark(thread); // it sleeps while nothing waits
        }
    }

    /**
     * The outcomes waiting now, for a capture to write in its statement; the caller hands them back
     * with {@link #written} once its statement committed, or {@link #returned} when it failed.
     */
    List<Pending> take() {
        if (queue.isEmpty()) {
            return List.of();
        }
        List<Pending> taken = new ArrayList<>();
        queue.drainTo(taken, BATCH);
        return taken;
    }

    /** The statement that took these outcomes failed: they wait again, for the thread to write them. */
    void returned(List<Pending> taken) {
        if (taken.isEmpty()) {
            return;
        }
        urgent.set(true);
        for (Pending p : taken) {
            if (closed || !queue.offer(p)) {
                write(List.of(p));
            }
        }
        LockSupport.unpark(thread);
    }

    /** These outcomes are committed (by a capture's statement or this thread), or given up on. */
    void written(List<Pending> pendings) {
        for (Pending p : pendings) {
            unwritten.remove(p.finished().id(), p.written());
            p.written().complete(null);
        }
    }

    /**
     * Returns once the outcome of this message, if one is waiting, is written (or its writing
     * failed, logged): at once when none waits.
     */
    void await(long id) throws SQLException {
        CompletableFuture<Void> written = unwritten.get(id);
        if (written != null) {
            await(written);
        }
    }

    /** Returns once every outcome waiting at the call is written (or its writing failed, logged). */
    void flush() throws SQLException {
        await(CompletableFuture.allOf(unwritten.values().toArray(CompletableFuture[]::new)));
    }

    private void await(CompletableFuture<Void> written) throws SQLException {
        if (written.isDone()) {
            return;
        }
        urgent.set(true);
        LockSupport.unpark(thread);
        try {
            written.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new SQLException("the inbox's outcomes were not written within 60 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while the inbox's outcomes were written");
        }
    }

    private boolean offer(Pending pending) {
        try {
            queue.put(pending);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private synchronized void start() {
        if (thread == null && !closed) {
            thread = new Thread(this::loop, "ledgerbox-inbox-outcomes");
            thread.setDaemon(true);
            thread.start();
        }
    }

    /**
     * Sleeps while nothing waits; writes what waits once the oldest has lingered, at once when
     * someone awaits an outcome, a batch is full or the recorder closes.
     */
    private void loop() {
        List<Pending> batch = new ArrayList<>();
        while (!closed || !queue.isEmpty()) {
            Pending oldest = queue.peek();
            if (oldest == null) {
                urgent.set(false);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
                continue;
            }
            long wait = lingerNanos - (System.nanoTime() - oldest.queuedAt());
            if (wait > 0 && !closed && !urgent.get() && queue.size() < BATCH) {
                LockSupport.parkNanos(wait);
                continue;
            }
            urgent.set(false);
            queue.drainTo(batch, BATCH);
            write(batch);
            batch.clear();
            if (Thread.interrupted()) {
                return;
            }
        }
    }

    private void write(List<Pending> pendings) {
        if (pendings.isEmpty()) {
            return;
        }
        List<InboxStore.Finished> rows =
                pendings.stream().map(Pending::finished).toList();
        try {
            store.finish(owner, rows);
        } catch (SQLException | RuntimeException e) {
            LOG.atError()
                    .setMessage("inbox: the outcomes of {} processed message(s) (ids {} to {}) could not be recorded:"
                            + " {}; they stay PROCESSING until their lease runs out, then the background runs them"
                            + " again")
                    .addArgument(rows.size())
                    .addArgument(rows.get(0).id())
                    .addArgument(rows.get(rows.size() - 1).id())
                    .addArgument(e.getMessage())
                    .log();
        } finally {
            written(pendings);
        }
    }

    /** Writes what is queued, then stops. */
    @Override
    public synchronized void close() throws InterruptedException {
        closed = true;
        if (thread != null) {
            LockSupport.unpark(thread);
            thread.join(10_000);
        }
    }
}
