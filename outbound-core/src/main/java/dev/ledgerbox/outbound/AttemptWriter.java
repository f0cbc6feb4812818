package dev.ledgerbox.outbound;

import dev.ledgerbox.outbox.spi.Timestamps;
import java.io.IOException;
import java.io.StringReader;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;
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

    /** The columns, in the order of {@link #UPSERT}'s arrays and of {@link #COPY}'s fields. */
    private static final List<Column> COLUMNS = List.of(
            request("attempt_id", "uuid", AttemptRow.Request::attemptId),
            request("correlation_id", "text", AttemptRow.Request::correlationId),
            request("call_id", "uuid", AttemptRow.Request::callId),
            request("destination", "text", AttemptRow.Request::destination),
            request("call_key", "text", AttemptRow.Request::callKey),
            request("attempt", "integer", AttemptRow.Request::attempt),
            request("transport", "text", AttemptRow.Request::transport),
            request("request_method", "text", AttemptRow.Request::method),
            request("request_url", "text", AttemptRow.Request::url),
            request("request_headers", "jsonb", AttemptRow.Request::requestHeaders),
            request("request_body", "text", AttemptRow.Request::requestBody),
            request("request_body_sha256", "text", AttemptRow.Request::requestSha256),
            request("request_bytes", "integer", AttemptRow.Request::requestBytes),
            request("request_truncated", "boolean", AttemptRow.Request::requestTruncated),
            request("idempotency_key", "text", AttemptRow.Request::idempotencyKey),
            request("requested_at", "timestamptz", AttemptRow.Request::requestedAt),
            response("responded_at", "timestamptz", AttemptRow.Response::respondedAt),
            response("duration_ms", "integer", AttemptRow.Response::durationMillis),
            response("response_status", "integer", AttemptRow.Response::status),
            response("response_headers", "jsonb", AttemptRow.Response::responseHeaders),
            response("response_body", "text", AttemptRow.Response::responseBody),
            response("response_truncated", "boolean", AttemptRow.Response::responseTruncated),
            response("provider_request_id", "text", AttemptRow.Response::providerRequestId),
            response("error_class", "text", AttemptRow.Response::errorClass),
            response("error_message", "text", AttemptRow.Response::errorMessage),
            response("error_code", "text", AttemptRow.Response::errorCode),
            request("origin_correlation_id", "text", AttemptRow.Request::originCorrelationId),
            request("trace_id", "text", AttemptRow.Request::traceId),
            request("span_id", "text", AttemptRow.Request::spanId));

    static final String UPSERT = upsert();

    static final String COPY = "COPY outbound_attempt ("
            + String.join(", ", COLUMNS.stream().map(Column::name).toList())
            + ") FROM STDIN";

    /** Attempts whose request was written without its response: at most this many remembered. */
    private static final int OPENED_MAX = 100_000;

    /**
     * How long a request's row waits for its response before it is written alone: the request and
     * response of a call shorter than this are one row written once (half the database's work);
     * a longer call's request is written first and completed later.
     */
    static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    /**
     * The least time between two writes unless a batch is full: rows of a trickle of calls are
     * written together (a statement and a commit cost about as much as a few dozen rows).
     */
    static final long BATCH_WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final DataSource dataSource;
    private final BlockingQueue<AttemptRow> queue;
    private final int batchSize;
    private final Thread thread;
    private final AtomicLong offered = new AtomicLong();
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicInteger flushers = new AtomicInteger();
    private final int capacity;
    private volatile boolean running = true;
    /** Attempts written without their response yet (this thread's only): completed by the upsert. */
    private final Set<UUID> opened = new HashSet<>();
    /** Whether the driver takes {@code COPY}; learnt on the first batch. */
    private boolean copyable = true;

    private volatile long lastDropWarning;

    AttemptWriter(DataSource dataSource, int capacity, int batchSize, ThreadFactory threads) {
        this.dataSource = dataSource;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.capacity = capacity;
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

    /** Writes every row queued before this call at once; false when the timeout passed first. */
    boolean flush(Duration timeout) throws InterruptedException {
        long target = offered.get();
        long deadline = System.nanoTime() + timeout.toNanos();
        flushers.incrementAndGet();
        try {
            while (done.get() < target) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(5);
            }
            return true;
        } finally {
            flushers.decrementAndGet();
        }
    }

    private void finished(int rows) {
        done.addAndGet(rows);
    }

    /** The queued rows of one attempt, merged: the latest holds all that the earlier ones do. */
    private static final class Pending {
        AttemptRow row;
        int offers;
        final long since = System.nanoTime();
    }

    private void run() {
        Map<UUID, Pending> pending = new LinkedHashMap<>();
        List<AttemptRow> drained = new ArrayList<>(batchSize);
        int ended = 0; // pending rows that have their response: a batch is ready without waiting
        long pause = 100;
        long lastWrite = System.nanoTime();
        while (running || !queue.isEmpty() || !pending.isEmpty()) {
            try {
                if (pending.isEmpty()) {
                    AttemptRow first = queue.poll(200, TimeUnit.MILLISECONDS);
                    if (first != null) {
                        drained.add(first);
                    }
                } else if (running && flushers.get() == 0 && queue.size() < batchSize) {
                    // asleep, not parked on the queue: callers queue rows without waking this thread
                    long next = ended > 0
                            ? lastWrite + BATCH_WINDOW_NANOS
                            : Math.max(
                                    lastWrite + BATCH_WINDOW_NANOS,
                                    pending.values().iterator().next().since + LINGER_NANOS);
                    long sleep = next - System.nanoTime();
                    if (sleep > 0) {
                        Thread.sleep(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(sleep), 10)));
                    }
                }
                if (pending.size() < capacity) {
                    queue.drainTo(drained, Math.min(capacity - pending.size(), batchSize * 4));
                }
                for (AttemptRow row : drained) {
                    Pending p = pending.computeIfAbsent(row.attemptId(), id -> new Pending());
                    if (row.ended() && (p.row == null || !p.row.ended())) {
                        ended++;
                    }
                    p.row = row;
                    p.offers++;
                }
                drained.clear();
                long now = System.nanoTime();
                boolean due = !running
                        || flushers.get() > 0
                        || ended >= batchSize
                        || (now - lastWrite >= BATCH_WINDOW_NANOS
                                && (ended > 0
                                        || (!pending.isEmpty()
                                                && now
                                                                - pending.values()
                                                                        .iterator()
                                                                        .next()
                                                                        .since
                                                        >= LINGER_NANOS)));
                if (!due) {
                    continue; // a fuller batch soon: one statement and one commit for many rows
                }
                List<Pending> ready = ready(pending);
                if (ready.isEmpty()) {
                    continue;
                }
                List<AttemptRow> rows = new ArrayList<>(ready.size());
                int offers = 0;
                for (Pending p : ready) {
                    rows.add(p.row);
                    offers += p.offers;
                }
                write(rows);
                lastWrite = System.nanoTime();
                for (Pending p : ready) {
                    pending.remove(p.row.attemptId());
                    if (p.row.ended()) {
                        ended--;
                    }
                }
                finished(offers);
                pause = 100;
            } catch (InterruptedException e) {
                // close() sets running to false: the loop writes what is left, then ends
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    LOG.warn(
                            "outbound capture: {} attempt rows not written at shutdown: {}",
                            pending.size(),
                            e.getMessage());
                    break;
                }
                LOG.warn(
                        "outbound capture: could not write {} attempt rows, retrying in {} ms: {}",
                        pending.size(),
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
        int lost = queue.size(); // not written: shutdown
        for (Pending p : pending.values()) {
            lost += p.offers;
        }
        finished(lost);
    }

    /**
     * What goes to the database now, at most a batch, oldest first: attempts that ended, and those
     * still waiting for their response after {@link #LINGER_NANOS} (everything when flushing or
     * stopping). A short call's request and response thus become one row written once.
     */
    private List<Pending> ready(Map<UUID, Pending> pending) {
        long now = System.nanoTime();
        boolean all = !running || flushers.get() > 0;
        List<Pending> ready = new ArrayList<>();
        for (Pending p : pending.values()) {
            if (ready.size() == batchSize) {
                break;
            }
            if (all || p.row.ended() || now - p.since >= LINGER_NANOS) {
                ready.add(p);
            }
        }
        return ready;
    }

    /**
     * Writes a batch: the rows of attempts that ended and were not written before with {@code COPY}
     * (PostgreSQL parses its text the cheapest way: a third less of its CPU per row than the
     * arrays of the upsert), the others, and all of them where {@code COPY} cannot be used, with
     * {@link #UPSERT}. A row that {@code COPY} finds written already (a batch retried after its
     * commit's answer was lost) sends the batch through the upsert, which completes it.
     */
    private void write(List<AttemptRow> rows) throws SQLException {
        List<AttemptRow> copied = new ArrayList<>(rows.size());
        List<AttemptRow> upserted = new ArrayList<>();
        for (AttemptRow row : rows) {
            boolean fresh = row.ended() && !opened.contains(row.attemptId());
            (fresh && copyable ? copied : upserted).add(row);
        }
        try (Connection c = dataSource.getConnection()) {
            if (!c.getAutoCommit()) {
                c.setAutoCommit(true);
            }
            if (!copied.isEmpty() && !copy(c, copied)) {
                upserted.addAll(copied);
            }
            if (!upserted.isEmpty()) {
                upsert(c, upserted);
            }
        }
        for (AttemptRow row : rows) {
            if (!row.ended()) {
                opened.add(row.attemptId());
            } else {
                opened.remove(row.attemptId());
            }
        }
        if (opened.size() > OPENED_MAX) {
            opened.clear(); // attempts that never ended: their rows would still be completed by the upsert
        }
    }

    /** {@code false} when the rows must go through the upsert instead. */
    private boolean copy(Connection c, List<AttemptRow> rows) throws SQLException {
        CopyManager copies;
        try {
            copies = c.unwrap(PGConnection.class).getCopyAPI();
        } catch (SQLException | LinkageError notPostgres) {
            copyable = false; // another driver, or PostgreSQL's not visible here: the upsert alone
            return false;
        }
        StringBuilder text = new StringBuilder(rows.size() * 1024);
        for (AttemptRow row : rows) {
            for (int i = 0; i < COLUMNS.size(); i++) {
                Column column = COLUMNS.get(i);
                String value = column.text(row);
                if (i > 0) {
                    text.append('\t');
                }
                if (value == null) {
                    text.append("\\N");
                } else {
                    escape(value, text);
                }
            }
            text.append('\n');
        }
        try {
            copies.copyIn(COPY, new StringReader(text.toString()));
            return true;
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                return false; // written before: the upsert completes what is there
            }
            throw e;
        } catch (IOException e) {
            throw new SQLException("outbound capture: COPY of " + rows.size() + " attempt rows failed", e);
        }
    }

    /** COPY's text format: backslash, tab, newline and carriage return escaped. */
    private static void escape(String value, StringBuilder out) {
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            switch (ch) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(ch);
            }
        }
    }

    private void upsert(Connection c, List<AttemptRow> rows) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
            List<Array> arrays = new ArrayList<>(COLUMNS.size());
            for (Column column : COLUMNS) {
                String[] values = new String[rows.size()];
                int i = 0;
                for (AttemptRow row : rows) {
                    values[i++] = column.text(row);
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
        for (Column column : COLUMNS) {
            if (column.response()) {
                updates.append(updates.length() == 0 ? "" : ", ")
                        .append(column.name())
                        .append(" = EXCLUDED.")
                        .append(column.name());
            }
        }
        return "INSERT INTO outbound_attempt (" + names + ") SELECT " + casts + " FROM unnest(" + arrays + ") AS t("
                + aliases + ") ON CONFLICT (attempt_id) DO UPDATE SET " + updates
                + " WHERE EXCLUDED.responded_at IS NOT NULL";
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(TimeUnit.SECONDS.toMillis(10));
    }

    private static Column request(String name, String type, Function<AttemptRow.Request, Object> value) {
        return new Column(name, type, false, row -> value.apply(row.request()));
    }

    /** A response column: empty in a request's row, the second write of an attempt fills it. */
    private static Column response(String name, String type, Function<AttemptRow.Response, Object> value) {
        return new Column(name, type, true, row -> row.ended() ? value.apply(row.response()) : null);
    }

    private record Column(String name, String type, boolean response, Function<AttemptRow, Object> value) {

        /**
         * The value as text, as both the upsert's arrays and {@code COPY} carry it; a timestamp
         * without java.time's formatter ({@code Instant.toString()} cost the writer more than the
         * rest of a row's columns together).
         */
        String text(AttemptRow row) {
            Object value = value().apply(row);
            if (value instanceof Instant instant) {
                return Timestamps.appendPostgres(new StringBuilder(29), instant).toString();
            }
            return value == null ? null : value.toString();
        }
    }
}
