package dev.ledgerbox.inbox;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Records how processings in requests ended, grouped: each caller waits for its outcome to be
 * written, and the outcomes of requests that finish at once go in one statement and one commit
 * (as PostgreSQL groups commits). Alone, a request pays one commit; under load, a fraction of one.
 * Thread-safe; one recording thread, started on first use.
 */
final class OutcomeRecorder implements AutoCloseable {

    private static final int BATCH = 500;

    private record Pending(InboxStore.Finished finished, CompletableFuture<Void> done) {}

    private final InboxStore store;
    private final String owner;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private volatile Thread thread;
    private volatile boolean closed;

    OutcomeRecorder(InboxStore store, String owner) {
        this.store = store;
        this.owner = owner;
    }

    /** Writes the outcome (with any others waiting), and returns once it is committed. */
    void record(InboxStore.Finished finished) throws SQLException {
        Pending pending = new Pending(finished, new CompletableFuture<>());
        if (thread == null) {
            start();
        }
        queue.add(pending);
        try {
            pending.done().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new SQLException("the outcome of message " + finished.id() + " was not written within 60 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while the outcome of message " + finished.id() + " was written");
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
        while (!closed || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, BATCH - 1);
                List<InboxStore.Finished> rows = new ArrayList<>(batch.size());
                batch.forEach(p -> rows.add(p.finished()));
                try {
                    store.finish(owner, rows);
                    batch.forEach(p -> p.done().complete(null));
                } catch (SQLException | RuntimeException e) {
                    batch.forEach(p -> p.done().completeExceptionally(e));
                }
                batch.clear();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public synchronized void close() throws InterruptedException {
        closed = true;
        if (thread != null) {
            thread.join(10_000);
        }
    }
}
