package dev.ledgerbox.outbound;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes attempt rows off the callers' threads: rows wait in a bounded queue and go to the database
 * in batches, one statement and one commit per batch, the request's and the response's columns of
 * one attempt in one row. While the database is unreachable the batch in hand is retried with a
 * growing pause and new rows wait in the queue; when the queue is full a row is dropped and counted
 * (the caller is never held up, and its {@code boundary_audit} lines were written already). A crash
 * loses the rows still queued, never the lines. Thread-safe.
 */
final class AttemptWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AttemptWriter.class);

    /** The columns in the order of {@link #UPSERT}'s arrays, each read from a row as text. */
    private static final List<Column> COLUMNS = List.of(
            new Column("attempt_id", "uuid", r -> r.attemptId().toString()),
            new Column("correlation_id", "text", AttemptRow::correlationId),
            new Column("call_id", "uuid", r -> r.callId().toString()),
            new Column("destination", "text", AttemptRow::destination),
            new Column("call_key", "text", AttemptRow::callKey),
            new Column("attempt", "integer", r -> Integer.toString(r.attempt())),
            new Column("transport", "text", AttemptRow::transport),
            new Column("request_method", "text", AttemptRow::method),
            new Column("request_url", "text", AttemptRow::url),
            new Column("request_headers", "jsonb", AttemptRow::requestHeaders),
            new Column("request_body", "text", AttemptRow::requestBody),
            new Column("request_body_sha256", "text", AttemptRow::requestSha256),
            new Column("request_bytes", "integer", r -> text(r.requestBytes())),
            new Column("request_truncated", "boolean", r -> Boolean.toString(r.requestTruncated())),
            new Column("idempotency_key", "text", AttemptRow::idempotencyKey),
            new Column("requested_at", "timestamptz", r -> r.requestedAt().toString()),
            new Column("responded_at", "timestamptz", r -> text(r.respondedAt())),
            new Column("duration_ms", "integer", r -> text(r.durationMillis())),
            new Column("response_status", "integer", r -> text(r.status())),
            new Column("response_headers", "jsonb", AttemptRow::responseHeaders),
            new Column("response_body", "text", AttemptRow::responseBody),
            new Column("response_truncated", "boolean", r -> text(r.responseTruncated())),
            new Column("provider_request_id", "text", AttemptRow::providerRequestId),
            new Column("error_class", "text", AttemptRow::errorClass),
            new Column("error_message", "text", AttemptRow::errorMessage),
            new Column("error_code", "text", AttemptRow::errorCode),
            new Column("origin_correlation_id", "text", AttemptRow::originCorrelationId),
            new Column("trace_id", "text", AttemptRow::traceId),
            new Column("span_id", "text", AttemptRow::spanId));

    /** The response's columns: what a second write of one attempt adds to the first. */
    private static final List<String> RESPONSE_COLUMNS = List.of(
            "responded_at",
            "duration_ms",
            "response_status",
            "response_headers",
            "response_body",
            "response_truncated",
            "provider_request_id",
            "error_class",
            "error_message",
            "error_code");

    static final String UPSERT = upsert();

    private final DataSource dataSource;
    private final BlockingQueue<AttemptRow> queue;
    private final int batchSize;
    private final Thread thread;
    private final AtomicLong offered = new AtomicLong();
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final Object progress = new Object();
    private volatile boolean running = true;
    private volatile long lastDropWarning;

    AttemptWriter(DataSource dataSource, int capacity, int batchSize, ThreadFactory threads) {
        this.dataSource = dataSource;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.batchSize = batchSize;
        this.thread = threads.newThread(this::run);
        this.thread.setName("ledgerbox-outbound-writer");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Queues a row; never blocks. */
    void offer(AttemptRow row) {
        offered.incrementAndGet();
        if (!queue.offer(row)) {
            dropped.incrementAndGet();
            finished(1);
            long now = System.nanoTime();
            if (now - lastDropWarning > TimeUnit.MINUTES.toNanos(1)) {
                lastDropWarning = now;
                LOG.warn(
                        "outbound capture: the writer's queue is full (database slow or unreachable);"
                                + " {} attempt rows dropped so far, their boundary_audit lines were written",
                        dropped.get());
            }
        }
    }

    long dropped() {
        return dropped.get();
    }

    /** Waits until every row queued before this call is written or dropped; false on timeout. */
    boolean flush(Duration timeout) throws InterruptedException {
        long target = offered.get();
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (progress) {
            while (done.get() < target) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(progress, left);
            }
        }
        return true;
    }

    private void finished(int rows) {
        done.addAndGet(rows);
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    private void run() {
        List<AttemptRow> batch = new ArrayList<>(batchSize);
        long pause = 100;
        while (running || !queue.isEmpty() || !batch.isEmpty()) {
            try {
                if (batch.isEmpty()) {
                    AttemptRow first = queue.poll(200, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    batch.add(first);
                    queue.drainTo(batch, batchSize - 1);
                }
                write(batch);
                finished(batch.size());
                batch.clear();
                pause = 100;
            } catch (InterruptedException e) {
                // close() sets running to false: the loop writes what is left, then ends
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    LOG.warn(
                            "outbound capture: {} attempt rows not written at shutdown: {}",
                            batch.size(),
                            e.getMessage());
                    finished(batch.size());
                    batch.clear();
                    break;
                }
                LOG.warn(
                        "outbound capture: could not write {} attempt rows, retrying in {} ms: {}",
                        batch.size(),
                        pause,
                        e.getMessage());
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException ignored) {
                    // the loop decides
                }
                pause = Math.min(pause * 2, 30_000);
            }
        }
        finished(queue.size()); // not written: shutdown
    }

    private void write(List<AttemptRow> batch) throws SQLException {
        Map<UUID, AttemptRow> latest = new LinkedHashMap<>();
        for (AttemptRow row : batch) {
            latest.put(row.attemptId(), row); // a later row of one attempt holds all an earlier one does
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(UPSERT)) {
            if (!c.getAutoCommit()) {
                c.setAutoCommit(true);
            }
            List<Array> arrays = new ArrayList<>(COLUMNS.size());
            for (Column column : COLUMNS) {
                String[] values = new String[latest.size()];
                int i = 0;
                for (AttemptRow row : latest.values()) {
                    values[i++] = column.value().apply(row);
                }
                Array array = c.createArrayOf("text", values);
                arrays.add(array);
                ps.setArray(arrays.size(), array);
            }
            ps.executeUpdate();
            for (Array array : arrays) {
                array.free();
            }
        }
    }

    private static String upsert() {
        StringBuilder names = new StringBuilder();
        StringBuilder casts = new StringBuilder();
        StringBuilder arrays = new StringBuilder();
        for (int i = 0; i < COLUMNS.size(); i++) {
            Column column = COLUMNS.get(i);
            String sep = i == 0 ? "" : ", ";
            names.append(sep).append(column.name());
            casts.append(sep).append("c").append(i).append("::").append(column.type());
            arrays.append(sep).append("?::text[]");
        }
        StringBuilder aliases = new StringBuilder();
        for (int i = 0; i < COLUMNS.size(); i++) {
            aliases.append(i == 0 ? "" : ", ").append("c").append(i);
        }
        StringBuilder updates = new StringBuilder();
        for (String column : RESPONSE_COLUMNS) {
            updates.append(updates.length() == 0 ? "" : ", ")
                    .append(column)
                    .append(" = EXCLUDED.")
                    .append(column);
        }
        return "INSERT INTO outbound_attempt (" + names + ") SELECT " + casts + " FROM unnest(" + arrays + ") AS t("
                + aliases + ") ON CONFLICT (attempt_id) DO UPDATE SET " + updates
                + " WHERE EXCLUDED.responded_at IS NOT NULL";
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(TimeUnit.SECONDS.toMillis(10));
    }

    private record Column(String name, String type, Function<AttemptRow, String> value) {}
}
