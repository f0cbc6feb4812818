package dev.ledgerbox.inbox;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records how processings in requests ended, after the answer: a request hands its outcome over and
 * returns, and one thread writes the outcomes waiting at that moment in one statement and one
 * commit (alone, one commit per outcome; under load, a fraction of one). The request's own path
 * pays one commit, its capture's.
 *
 * <p>Until an outcome is committed its message stays {@code PROCESSING}: a duplicate this instance
 * receives meanwhile {@link #flush waits} for it here (another instance answers it 409). Should the process die first, the message keeps its
 * lease and, once the lease runs out, the background runs it again (handlers are idempotent by the
 * sender's key). When {@value #QUEUE} outcomes wait, requests wait for room. Thread-safe; one
 * recording thread, started on first use.
 */
final class OutcomeRecorder implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OutcomeRecorder.class);

    private static final int BATCH = 500;
    static final int QUEUE = 10_000;

    /** An outcome to write, or (finished null) a caller waiting for everything queued before it. */
    private record Pending(InboxStore.Finished finished, CompletableFuture<Void> written) {}

    private final InboxStore store;
    private final String owner;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>(QUEUE);
    /** Messages whose outcome is queued or being written. */
    private final Set<Long> unwritten = ConcurrentHashMap.newKeySet();

    private volatile Thread thread;
    private volatile boolean closed;

    OutcomeRecorder(InboxStore store, String owner) {
        this.store = store;
        this.owner = owner;
    }

    /** Queues the outcome and returns; it is committed shortly after (see {@link #flush}). */
    void record(InboxStore.Finished finished) {
        if (thread == null) {
            start();
        }
        unwritten.add(finished.id());
        if (closed || !offer(new Pending(finished, null))) {
            write(List.of(finished)); // stopped (or interrupted while waiting for room): written here
        }
    }

    /** Whether the outcome of this message is queued and not committed yet. */
    boolean unwritten(long id) {
        return unwritten.contains(id);
    }

    /** Returns once every outcome queued before the call is written (or its writing failed, logged). */
    void flush() throws SQLException {
        CompletableFuture<Void> written = new CompletableFuture<>();
        if (thread == null || closed || !offer(new Pending(null, written))) {
            return;
        }
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

    private void loop() {
        List<Pending> batch = new ArrayList<>();
        List<InboxStore.Finished> rows = new ArrayList<>();
        while (!closed || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, BATCH - 1);
                for (Pending p : batch) {
                    if (p.finished() != null) {
                        rows.add(p.finished());
                    }
                }
                write(rows);
                for (Pending p : batch) {
                    if (p.written() != null) {
                        p.written().complete(null);
                    }
                }
                batch.clear();
                rows.clear();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void write(List<InboxStore.Finished> rows) {
        if (rows.isEmpty()) {
            return;
        }
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
            rows.forEach(r -> unwritten.remove(r.id()));
        }
    }

    /** Writes what is queued, then stops. */
    @Override
    public synchronized void close() throws InterruptedException {
        closed = true;
        if (thread != null) {
            thread.join(10_000);
        }
    }
}
