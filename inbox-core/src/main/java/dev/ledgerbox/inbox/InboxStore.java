package dev.ledgerbox.inbox;

import dev.ledgerbox.outbox.spi.Redaction;
import dev.ledgerbox.publisher.spi.Statements;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The inbox table's SQL. Every method is one short transaction of its own, committed before it
 * returns: never the caller's business transaction, and never open while a handler runs.
 * Thread-safe.
 */
final class InboxStore {

    /** Statuses that hold a (source, key): the first message received with it, whatever became of it. */
    static final String HOLDING = "('RECEIVED', 'PROCESSING', 'PROCESSED', 'FAILED', 'DEAD')";

    private static final String COLUMNS =
            "source, idempotency_key, key_origin, status, mode, duplicate_of, received_at,"
                    + " content_type, headers, body, body_sha256, body_bytes, body_truncated, client_ip, user_agent, origin,"
                    + " correlation_id, traceparent, reject_reason, response_status, response_body, next_attempt_at,"
                    + " claimed_by, lease_until, attempts, processing_started_at";

    private static final String INSERT = "INSERT INTO inbox_message (" + COLUMNS + ")"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            + " coalesce(?, 'infinity'::timestamptz), ?, ?, ?, ?)";

    private final DataSource dataSource;

    InboxStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** What a capture stores; the status and answer decided before the write. */
    record Capture(
            String source,
            String key,
            String keyOrigin,
            String status,
            InboxSource.Mode mode,
            Instant receivedAt,
            String contentType,
            String headersJson,
            byte[] body,
            String sha256,
            long bodyBytes,
            boolean truncated,
            String clientIp,
            String userAgent,
            String origin,
            String correlationId,
            String traceparent,
            String rejectReason,
            Integer responseStatus,
            String responseBody,
            Instant nextAttemptAt,
            String claimedBy) {

        /** This capture as a duplicate of another message: it holds no key and is not processed. */
        Capture asDuplicate(String reason, Integer answer) {
            return new Capture(
                    source,
                    key,
                    keyOrigin,
                    "DUPLICATE",
                    mode,
                    receivedAt,
                    contentType,
                    headersJson,
                    body,
                    sha256,
                    bodyBytes,
                    truncated,
                    clientIp,
                    userAgent,
                    origin,
                    correlationId,
                    traceparent,
                    reason,
                    answer,
                    null,
                    null,
                    null);
        }
    }

    /** The message that holds a key, as a duplicate finds it. */
    record Holder(long id, String status, Integer responseStatus, String responseBody, InboxSource.Mode mode) {}

    /** What a duplicate of a processed message is answered, in its row's {@code reject_reason}. */
    static final String ANSWERED_FROM_FIRST = "answered with the first processing's response";

    /** A duplicate's {@code reject_reason}: which message it duplicates, in what state, and what it got. */
    static String duplicateReason(long first, String status, String answered) {
        return "duplicate of message " + first + " (" + status + "): " + answered;
    }

    /**
     * Inserts a message that takes its key, and returns its id. When the key is held already, the
     * same statement finds the message holding it and, if that one is processed (the common
     * duplicate), records this capture as its {@code DUPLICATE}: a duplicate is one round trip and
     * one commit. Both are null when the holder committed after this statement began: {@link
     * #holder} then finds it. The outcomes {@code riding} (of messages {@code owner} holds) are
     * recorded by the same statement, so they take no commit of their own.
     */
    Taken insertHolding(Capture capture, String owner, List<Finished> riding) throws SQLException {
        try (Connection c = dataSource.getConnection();
                // inserts, a unique key's look-up and updates by id have one plan whatever the
                // table's size: prepared once per connection
                PreparedStatement ps = c.prepareStatement(insertHoldingSql(!riding.isEmpty()))) {
            int i = riding.isEmpty() ? 1 : bindFinished(c, ps, owner, riding);
            i = bind(ps, i, capture, null);
            ps.setString(i++, capture.source());
            ps.setString(i++, capture.key());
            ps.setString(i++, capture.source());
            ps.setString(i++, capture.key());
            ps.setString(i++, capture.keyOrigin());
            ps.setString(i++, capture.mode().name());
            ps.setTimestamp(i++, Timestamp.from(capture.receivedAt()));
            ps.setString(i++, capture.contentType());
            ps.setString(i++, capture.headersJson());
            ps.setBytes(i++, capture.body());
            ps.setString(i++, capture.sha256());
            ps.setLong(i++, capture.bodyBytes());
            ps.setBoolean(i++, capture.truncated());
            ps.setString(i++, capture.clientIp());
            ps.setString(i++, Redaction.text(capture.userAgent()));
            ps.setString(i++, capture.origin());
            ps.setString(i++, capture.correlationId());
            ps.setString(i++, capture.traceparent());
            ps.setString(i, ANSWERED_FROM_FIRST);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return new Taken(null, null, false);
                }
                return rs.getString(2) == null
                        ? new Taken(rs.getLong(1), null, false)
                        : new Taken(null, holder(rs), rs.getBoolean(6));
            }
        }
    }

    /**
     * {@link #insertHolding}'s statement; {@code riding}: with the outcomes' update ({@link #FINISH},
     * its parameters first).
     */
    static String insertHoldingSql(boolean riding) {
        return (riding ? "WITH finished AS (" + FINISH + ")," : "WITH")
                + " taken AS (" + INSERT
                + " ON CONFLICT (source, idempotency_key) WHERE status IN " + HOLDING
                + " DO NOTHING RETURNING id),"
                + " holder AS (SELECT id, status, response_status, response_body, mode FROM inbox_message"
                + " WHERE source = ? AND idempotency_key = ? AND status IN " + HOLDING
                + " AND NOT EXISTS (SELECT 1 FROM taken)),"
                + " duplicate AS (INSERT INTO inbox_message (source, idempotency_key, key_origin, status, mode,"
                + " duplicate_of, received_at, content_type, headers, body, body_sha256, body_bytes,"
                + " body_truncated, client_ip, user_agent, origin, correlation_id, traceparent, reject_reason,"
                + " response_status)"
                + " SELECT ?, ?, ?, 'DUPLICATE', ?, h.id, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                + " 'duplicate of message ' || h.id || ' (' || h.status || '): ' || ?::text,"
                + " coalesce(h.response_status, 200) FROM holder h WHERE h.status = 'PROCESSED' RETURNING id)"
                + " SELECT id, NULL::varchar, NULL::integer, NULL::text, NULL::varchar, false FROM taken"
                + " UNION ALL SELECT id, status, response_status, response_body, mode,"
                + " EXISTS (SELECT 1 FROM duplicate) FROM holder";
    }

    /**
     * What {@link #insertHolding} did: took the key (the new message's id), or found its holder,
     * and whether it recorded the capture as that holder's duplicate.
     */
    record Taken(Long id, Holder holder, boolean duplicateRecorded) {}

    /** Inserts a message that holds no key (a duplicate or a rejection); returns its id. */
    long insert(Capture capture, Long duplicateOf) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(INSERT + " RETURNING id")) {
            bind(ps, 1, capture, duplicateOf);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Binds a capture's 26 columns from parameter {@code i}; returns the next parameter's index. */
    private static int bind(PreparedStatement ps, int i, Capture m, Long duplicateOf) throws SQLException {
        ps.setString(i, m.source());
        ps.setString(i + 1, m.key());
        ps.setString(i + 2, m.keyOrigin());
        ps.setString(i + 3, m.status());
        ps.setString(i + 4, m.mode().name());
        ps.setObject(i + 5, duplicateOf, Types.BIGINT);
        ps.setTimestamp(i + 6, Timestamp.from(m.receivedAt()));
        ps.setString(i + 7, m.contentType());
        ps.setString(i + 8, m.headersJson());
        ps.setBytes(i + 9, m.body());
        ps.setString(i + 10, m.sha256());
        ps.setLong(i + 11, m.bodyBytes());
        ps.setBoolean(i + 12, m.truncated());
        ps.setString(i + 13, m.clientIp());
        ps.setString(i + 14, Redaction.text(m.userAgent()));
        ps.setString(i + 15, m.origin());
        ps.setString(i + 16, m.correlationId());
        ps.setString(i + 17, m.traceparent());
        ps.setString(i + 18, Redaction.text(m.rejectReason()));
        ps.setObject(i + 19, m.responseStatus(), Types.INTEGER);
        ps.setString(i + 20, Redaction.text(m.responseBody()));
        ps.setTimestamp(i + 21, m.nextAttemptAt() == null ? null : Timestamp.from(m.nextAttemptAt()));
        boolean claimed = m.claimedBy() != null; // held by the request from the start: no claim of its own
        ps.setString(i + 22, m.claimedBy());
        ps.setTimestamp(i + 23, claimed ? Timestamp.from(m.nextAttemptAt()) : null);
        ps.setInt(i + 24, claimed ? 1 : 0);
        ps.setTimestamp(i + 25, claimed ? Timestamp.from(m.receivedAt()) : null);
        return i + 26;
    }

    /** The message holding {@code (source, key)}, or null when none does (any more). */
    Holder holder(String source, String key) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT id, status, response_status, response_body, mode"
                        + " FROM inbox_message WHERE source = ? AND idempotency_key = ? AND status IN " + HOLDING)) {
            ps.setString(1, source);
            ps.setString(2, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? holder(rs) : null;
            }
        }
    }

    private static Holder holder(ResultSet rs) throws SQLException {
        return new Holder(
                rs.getLong(1),
                rs.getString(2),
                (Integer) rs.getObject(3),
                rs.getString(4),
                InboxSource.Mode.valueOf(rs.getString(5)));
    }

    /**
     * Claims one message for processing in the request: it must be received, or failed (the
     * sender retries), and not held by another processor. Returns it, or null.
     */
    InboxMessage claimOne(long id, String owner, Duration lease, Instant now) throws SQLException {
        List<InboxMessage> claimed = claim(
                "id IN (SELECT id FROM inbox_message WHERE id = ? AND (status IN ('RECEIVED', 'FAILED', 'DEAD')"
                        + " OR (status = 'PROCESSING' AND lease_until < ?)) FOR UPDATE SKIP LOCKED)",
                owner,
                lease,
                now,
                ps -> {
                    ps.setLong(5, id);
                    ps.setTimestamp(6, Timestamp.from(now));
                });
        return claimed.isEmpty() ? null : claimed.get(0);
    }

    /** Claims due messages for the background: received, failed with a retry due, or a lease run out. */
    List<InboxMessage> claimDue(String owner, int max, Duration lease, Instant now) throws SQLException {
        return claim(
                "id IN (SELECT id FROM inbox_message WHERE status IN ('RECEIVED', 'PROCESSING', 'FAILED')"
                        + " AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED)",
                owner,
                lease,
                now,
                ps -> {
                    ps.setTimestamp(5, Timestamp.from(now));
                    ps.setInt(6, max);
                });
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private List<InboxMessage> claim(String which, String owner, Duration lease, Instant now, Binder binder)
            throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = Statements.plannedEachTime(
                        c,
                        "UPDATE inbox_message SET status = 'PROCESSING', claimed_by = ?, attempts = attempts + 1,"
                                + " processing_started_at = ?, lease_until = ?, next_attempt_at = ? WHERE " + which
                                + " RETURNING id, source, idempotency_key, body, content_type, headers::text,"
                                + " correlation_id, received_at, attempts, replay_id")) {
            Timestamp until = Timestamp.from(now.plus(lease));
            ps.setString(1, owner);
            ps.setTimestamp(2, Timestamp.from(now));
            ps.setTimestamp(3, until);
            ps.setTimestamp(4, until);
            binder.bind(ps);
            List<InboxMessage> messages = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    messages.add(new InboxMessage(
                            rs.getLong(1),
                            rs.getString(2),
                            rs.getString(3),
                            rs.getBytes(4),
                            rs.getString(5),
                            Json.stringMap(rs.getString(6)),
                            rs.getString(7),
                            rs.getTimestamp(8).toInstant(),
                            rs.getInt(9),
                            (Long) rs.getObject(10)));
                }
            }
            messages.sort((a, b) -> Long.compare(a.id(), b.id()));
            return messages;
        }
    }

    /** How one processing ended, to be recorded. */
    record Finished(
            long id,
            String status,
            Instant finishedAt,
            long processingMillis,
            Integer responseStatus,
            String responseBody,
            String outcome,
            String errorClass,
            String errorMessage,
            Instant nextAttemptAt) {}

    /**
     * Records processings' ends. {@code claimed_by} alone says who holds a message: set with
     * {@code PROCESSING} by a claim, cleared by every way out of it. The rows are reached by id (the
     * ids given twice, so that the planner counts them): named by status, the planner reached them
     * through the due index, whose entries for every message processed since the last vacuum it then
     * read (40 ms a batch after 200,000); named by holder alone, by a sequential scan.
     */
    static final String FINISH =
            """
            UPDATE inbox_message m
               SET status = r.status, processed_at = r.at, processing_ms = r.millis,
                   response_status = r.response_status, response_body = r.response_body,
                   outcome = r.outcome, error_class = r.error_class, error_message = r.error_message,
                   next_attempt_at = r.next, claimed_by = NULL, lease_until = NULL
              FROM unnest(?::bigint[], ?::text[], ?::timestamptz[], ?::int[], ?::int[], ?::text[],
                          ?::text[], ?::text[], ?::text[], ?::timestamptz[])
                   AS r (id, status, at, millis, response_status, response_body, outcome, error_class,
                         error_message, next)
             WHERE m.id = ANY (?::bigint[]) AND m.id = r.id AND m.claimed_by = ?
            """;

    /** Records processings' ends, in one transaction, for the messages {@code owner} still holds. */
    void finish(String owner, List<Finished> finished) throws SQLException {
        if (finished.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = Statements.plannedEachTime(c, FINISH)) {
            bindFinished(c, ps, owner, finished);
            ps.executeUpdate();
        }
    }

    /** Binds {@link #FINISH}'s 12 parameters, from the first; returns the next parameter's index. */
    private static int bindFinished(Connection c, PreparedStatement ps, String owner, List<Finished> finished)
            throws SQLException {
        int n = finished.size();
        Object[] ids = new Object[n];
        Object[] statuses = new Object[n];
        Object[] at = new Object[n];
        Object[] millis = new Object[n];
        Object[] responseStatuses = new Object[n];
        Object[] responseBodies = new Object[n];
        Object[] outcomes = new Object[n];
        Object[] errorClasses = new Object[n];
        Object[] errorMessages = new Object[n];
        Object[] next = new Object[n];
        for (int i = 0; i < n; i++) {
            Finished f = finished.get(i);
            ids[i] = f.id();
            statuses[i] = f.status();
            at[i] = f.finishedAt().toString();
            millis[i] = (int) Math.min(Integer.MAX_VALUE, f.processingMillis());
            responseStatuses[i] = f.responseStatus();
            responseBodies[i] = Redaction.text(f.responseBody());
            outcomes[i] = Redaction.text(f.outcome());
            errorClasses[i] = f.errorClass();
            errorMessages[i] = Redaction.text(f.errorMessage());
            next[i] = f.nextAttemptAt() == null ? "infinity" : f.nextAttemptAt().toString();
        }
        ps.setArray(1, c.createArrayOf("bigint", ids));
        ps.setArray(2, c.createArrayOf("text", statuses));
        ps.setArray(3, c.createArrayOf("text", at));
        ps.setArray(4, c.createArrayOf("integer", millis));
        ps.setArray(5, c.createArrayOf("integer", responseStatuses));
        ps.setArray(6, c.createArrayOf("text", responseBodies));
        ps.setArray(7, c.createArrayOf("text", outcomes));
        ps.setArray(8, c.createArrayOf("text", errorClasses));
        ps.setArray(9, c.createArrayOf("text", errorMessages));
        ps.setArray(10, c.createArrayOf("text", next));
        ps.setArray(11, c.createArrayOf("bigint", ids));
        ps.setString(12, owner);
        return 13;
    }

    /** Whether any message is due at {@code now}. */
    boolean hasDue(Instant now) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = Statements.plannedEachTime(
                        c,
                        "SELECT EXISTS (SELECT 1 FROM inbox_message WHERE status IN ('RECEIVED', 'PROCESSING', 'FAILED')"
                                + " AND next_attempt_at <= ?)")) {
            ps.setTimestamp(1, Timestamp.from(now));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /**
     * Makes the messages that match due again for the background, records the replay with who
     * asked and why; returns the replay's id and how many messages.
     */
    long[] replay(String where, List<Object> params, String filterJson, String requestedBy, String reason, Instant now)
            throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                long replayId;
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO inbox_replay (requested_by, reason, filter) VALUES (?, ?, ?::jsonb) RETURNING id")) {
                    ps.setString(1, requestedBy);
                    ps.setString(2, reason);
                    ps.setString(3, filterJson);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        replayId = rs.getLong(1);
                    }
                }
                int count;
                try (PreparedStatement ps = Statements.plannedEachTime(
                        c,
                        "UPDATE inbox_message SET status = 'RECEIVED', attempts = 0, next_attempt_at = ?,"
                                + " replay_id = ?, claimed_by = NULL, lease_until = NULL WHERE " + where)) {
                    ps.setTimestamp(1, Timestamp.from(now));
                    ps.setLong(2, replayId);
                    for (int i = 0; i < params.size(); i++) {
                        ps.setObject(3 + i, params.get(i));
                    }
                    count = ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("UPDATE inbox_replay SET messages = ? WHERE id = ?")) {
                    ps.setInt(1, count);
                    ps.setLong(2, replayId);
                    ps.executeUpdate();
                }
                c.commit();
                return new long[] {replayId, count};
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /**
     * Deletes up to {@code batch} finished messages (processed, duplicates, rejections) received
     * before {@code olderThan} ago; failed and dead ones stay until they are resolved.
     */
    int purge(Duration olderThan, int batch, Instant now) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = Statements.plannedEachTime(
                        c,
                        // the duplicates of a deleted message that stay lose their link to it
                        "WITH gone AS (DELETE FROM inbox_message WHERE id IN (SELECT id FROM inbox_message"
                                + " WHERE status IN ('PROCESSED', 'DUPLICATE', 'INVALID', 'INVALID_SIGNATURE', 'TOO_LARGE')"
                                + " AND received_at < ? LIMIT ?) RETURNING id),"
                                + " unlinked AS (UPDATE inbox_message SET duplicate_of = NULL"
                                + " WHERE duplicate_of IN (SELECT id FROM gone) AND id NOT IN (SELECT id FROM gone))"
                                + " SELECT count(*) FROM gone")) {
            ps.setTimestamp(1, Timestamp.from(now.minus(olderThan)));
            ps.setInt(2, batch);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
