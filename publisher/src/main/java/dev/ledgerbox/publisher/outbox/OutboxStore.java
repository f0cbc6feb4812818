package dev.ledgerbox.publisher.outbox;

import dev.ledgerbox.publisher.spi.ClaimedEvent;
import dev.ledgerbox.publisher.spi.Handoff;
import dev.ledgerbox.publisher.spi.Outcome;
import dev.ledgerbox.publisher.spi.ShownStatus;
import dev.ledgerbox.publisher.spi.Statements;
import dev.ledgerbox.publisher.spi.Text;
import dev.ledgerbox.publisher.spi.WorkResult;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * The publisher's SQL against {@code outbox_event}. Every method is one short transaction; none
 * is open while a sink delivers, but for a sink that never leaves this machine ({@link
 * #deliverInOneTransaction}). Thread-safe.
 */
public final class OutboxStore {

    /**
     * Claims due events: pending or failed ones whose time has come, and claimed ones whose lease
     * ran out (their claimer died). Claiming leaves {@code next_attempt_at} as it was, so an expired
     * claim keeps its place in the queue, ahead of what became due after it, rather than wait behind
     * a backlog with its aggregate's later events. An event waits while its aggregate's previous
     * event is not delivered (or dead), so a batch holds at most one event per aggregate. {@code
     * SKIP LOCKED} keeps claimers apart.
     *
     * <p>The claim writes only columns that no index names ({@code claimed_by}, {@code lease_until},
     * {@code attempts}): the status stays {@code PENDING} or {@code FAILED} and {@code claimed_by}
     * says who holds the event, so that with room on the page ({@code fillfactor}) the claim is a HOT
     * update, adding no entry to any of the table's indexes. Rows a claim of an earlier version
     * marked {@code CLAIMED} are still taken over when their lease ends.
     *
     * <p>The picked rows are updated by their key, as an array: joined to them ({@code FROM
     * picked}), the planner expects as many as the batch may hold and, on a table of a few thousand
     * rows, hashes a full scan of it, on every claim ({@code OutboxStorePlanTest}).
     *
     * <p>Every row is reached through an index, so the plan is kept ({@link Statements#planKept}):
     * planning it at each claim cost more than running it when a claim takes a few events.
     */
    static final String CLAIM = picked(
            """
            UPDATE outbox_event e
               SET claimed_by = ?, attempts = e.attempts + 1,
                   lease_until = now() + ? * interval '1 millisecond'
            """);

    /**
     * The same events as {@link #CLAIM}, marked delivered in the claim itself: for a sink that
     * delivers inside the transaction ({@link #deliverInOneTransaction}), one change of each row
     * where a claim and its outcome make two.
     */
    static final String CLAIM_AS_DELIVERED = picked(
            """
            UPDATE outbox_event e
               SET status = 'DELIVERED', delivered_at = now(), attempts = e.attempts + 1,
                   claimed_by = NULL, lease_until = NULL, last_error = NULL
            """);

    /** A claim: the due events picked as described at {@link #CLAIM}, changed by {@code update}. */
    private static String picked(String update) {
        return """
                WITH picked AS (
                    SELECT e.id FROM outbox_event e
                    WHERE e.status IN ('PENDING', 'CLAIMED', 'FAILED') AND e.next_attempt_at <= now()
                      AND (e.claimed_by IS NULL OR e.lease_until <= now())
                      AND NOT EXISTS (
                          SELECT 1 FROM outbox_event p
                          WHERE p.aggregatetype = e.aggregatetype AND p.aggregateid = e.aggregateid
                            AND p.aggregate_seq = e.aggregate_seq - 1
                            AND p.status NOT IN ('DELIVERED', 'DEAD')
                          OFFSET 0) -- a lookup per candidate by the unique key, never a join
                    ORDER BY e.next_attempt_at, e.position
                    LIMIT ?
                    FOR UPDATE SKIP LOCKED)
                """
                + update
                + """
                 WHERE e.id = ANY (ARRAY(SELECT id FROM picked)) -- by key, never a join (see CLAIM)
                RETURNING e.id, e.aggregatetype, e.aggregateid, e.type, e.payload::text, e.aggregate_seq, e.position,
                          e.occurred_at, e.correlation_id, e.traceparent, e.tracestate, e.tenant_id, e.headers::text,
                          e.schema_version, e.attempts
                """;
    }

    private final DataSource dataSource;

    public OutboxStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public List<ClaimedEvent> claim(String owner, int max, Duration lease) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = Statements.planKept(c, CLAIM)) {
            ps.setInt(1, max);
            ps.setString(2, owner);
            ps.setLong(3, lease.toMillis());
            return claimed(ps, 1);
        }
    }

    /**
     * Delivers due events in one transaction, for a sink that never leaves this machine and takes
     * microseconds an event (a log line): claims them as delivered ({@link #CLAIM_AS_DELIVERED}),
     * has {@code work} deliver each while the transaction holds their rows, sets back those whose
     * outcome is not delivered, hands the delivered ones on and commits. A crash before the commit
     * leaves every event as it was, to be delivered again (at least once, as after a crash between
     * a claim and its outcome). Other claimers skip the held rows ({@code SKIP LOCKED}), and so does
     * a claim of an event whose aggregate's previous event is held; a transaction left idle longer
     * than {@code lease} (a sink that hangs) is ended by the database, its rows free again.
     */
    public List<WorkResult<ClaimedEvent>> deliverInOneTransaction(
            int max, Duration lease, Function<ClaimedEvent, WorkResult<ClaimedEvent>> work, Handoff handoff)
            throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<ClaimedEvent> events;
                try (PreparedStatement ps = Statements.planKept(c, HOLD_AT_MOST + ";\n" + CLAIM_AS_DELIVERED)) {
                    ps.setString(1, Long.toString(Math.max(1, lease.toMillis())));
                    ps.setInt(2, max);
                    events = claimed(ps, 2); // after the kept plan's settings and the timeout
                }
                List<WorkResult<ClaimedEvent>> results = new ArrayList<>(events.size());
                for (ClaimedEvent e : events) {
                    results.add(work.apply(e));
                }
                Runnable afterCommit = settle(c, null, results, handoff).afterCommit();
                c.commit();
                afterCommit.run();
                return results;
            } catch (SQLException | RuntimeException e) {
                rollback(c, e);
                throw e;
            }
        }
    }

    /** Ends the transaction when it sits idle longer than the parameter (ms): its rows are free again. */
    private static final String HOLD_AT_MOST = "SELECT set_config('idle_in_transaction_session_timeout', ?, true)";

    /**
     * Runs a claim prepared to keep its plan, after {@code before} statements of one row each (the
     * plan's settings first), and returns its events in the order they were written.
     */
    private static List<ClaimedEvent> claimed(PreparedStatement ps, int before) throws SQLException {
        ps.execute();
        for (int i = 0; i < before; i++) {
            if (!ps.getMoreResults()) {
                throw new SQLException("the claim returned no rows");
            }
        }
        List<ClaimedEvent> events = new ArrayList<>();
        try (ResultSet rs = ps.getResultSet()) {
            while (rs.next()) {
                events.add(new ClaimedEvent(
                        rs.getObject(1, UUID.class),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getObject(6, Long.class),
                        rs.getLong(7),
                        rs.getTimestamp(8).toInstant(),
                        rs.getString(9),
                        rs.getString(10),
                        rs.getString(11),
                        rs.getString(12),
                        rs.getString(13),
                        rs.getInt(14),
                        rs.getInt(15)));
            }
        }
        events.sort((a, b) -> Long.compare(a.position(), b.position()));
        return events;
    }

    private static void rollback(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    /**
     * Records the outcomes of events {@code owner} claimed ({@link #claim}), in one transaction, for
     * the events it still holds: marks the delivered ones and hands them on, sets the failed ones to
     * their retry (or dead), gives the given-back ones back. Returns how many it still held.
     */
    public int record(String owner, List<WorkResult<ClaimedEvent>> results, Handoff handoff) throws SQLException {
        if (results.isEmpty()) {
            return 0;
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                Settled settled = settle(c, owner, results, handoff);
                c.commit();
                settled.afterCommit().run();
                return settled.held();
            } catch (SQLException | RuntimeException e) {
                rollback(c, e);
                throw e;
            }
        }
    }

    /**
     * Records outcomes in {@code c}'s transaction. With {@code owner} null the events were claimed
     * as delivered in this transaction ({@link #deliverInOneTransaction}): only those with another
     * outcome change again.
     */
    private static Settled settle(Connection c, String owner, List<WorkResult<ClaimedEvent>> results, Handoff handoff)
            throws SQLException {
        List<ClaimedEvent> delivered = new ArrayList<>();
        List<UUID> givenBack = new ArrayList<>();
        int held = 0;
        for (WorkResult<ClaimedEvent> r : results) {
            UUID id = r.work().id();
            if (r.outcome() instanceof Outcome.Delivered) {
                delivered.add(r.work());
            } else if (r.outcome() instanceof Outcome.GiveBack) {
                givenBack.add(id);
            } else if (r.outcome() instanceof Outcome.Retry retry) {
                held += failed(c, owner, id, retry.reason(), r.retryAt());
            } else if (r.outcome() instanceof Outcome.Dead dead) {
                held += failed(c, owner, id, dead.reason(), null);
            }
        }
        if (owner != null && !delivered.isEmpty()) {
            Set<UUID> marked = new HashSet<>(markDelivered(
                    c, owner, delivered.stream().map(ClaimedEvent::id).toList()));
            delivered = delivered.stream().filter(e -> marked.contains(e.id())).toList();
        }
        held += delivered.size() + release(c, owner, givenBack);
        return new Settled(held, handoff.handOff(c, delivered));
    }

    /** What {@link #settle} did: how many events it still held, and what to run after the commit. */
    private record Settled(int held, Runnable afterCommit) {}

    /**
     * Marks delivered the events {@code owner} still holds. {@code claimed_by} alone says who holds
     * an event (set by a claim, cleared by every way out of it), so the status
     * is not named: named, the planner could reach the rows through the due index, whose entries for
     * every event delivered since the last vacuum it would then read, rather than by id
     * ({@code OutboxStorePlanTest}).
     */
    static final String MARK_DELIVERED = "UPDATE outbox_event"
            + " SET status = 'DELIVERED', delivered_at = now(), claimed_by = NULL, lease_until = NULL,"
            + " last_error = NULL WHERE id = ANY (?) AND claimed_by = ? RETURNING id";

    private static List<UUID> markDelivered(Connection c, String owner, List<UUID> ids) throws SQLException {
        try (PreparedStatement ps = Statements.plannedEachTime(c, MARK_DELIVERED)) {
            ps.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            ps.setString(2, owner);
            List<UUID> marked = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    marked.add(rs.getObject(1, UUID.class));
                }
            }
            return marked;
        }
    }

    /**
     * Records a failed delivery: retried at {@code retryAt}, or dead when {@code retryAt} is null;
     * returns 1 if {@code owner} still held the event. Who holds an event is named ({@code
     * claimed_by}), not its status (see {@link #MARK_DELIVERED}); {@code owner} is null for an event
     * claimed as delivered in the transaction.
     */
    private static int failed(Connection c, String owner, UUID id, String reason, Instant retryAt) throws SQLException {
        try (PreparedStatement ps = Statements.plannedEachTime(
                c,
                "UPDATE outbox_event"
                        + " SET status = ?, next_attempt_at = coalesce(?, next_attempt_at), last_error = ?,"
                        + " claimed_by = NULL, lease_until = NULL, delivered_at = NULL"
                        + " WHERE id = ? AND claimed_by IS NOT DISTINCT FROM ?")) {
            ps.setString(1, retryAt == null ? "DEAD" : "FAILED");
            ps.setTimestamp(2, retryAt == null ? null : Timestamp.from(retryAt));
            ps.setString(3, Text.truncate(reason, 2000));
            ps.setObject(4, id);
            ps.setString(5, owner);
            return ps.executeUpdate();
        }
    }

    /**
     * Gives claimed events back without counting the attempt (graceful shutdown); {@code owner} as
     * at {@link #failed}.
     */
    private static int release(Connection c, String owner, List<UUID> ids) throws SQLException {
        if (ids.isEmpty()) {
            return 0;
        }
        try (PreparedStatement ps = Statements.plannedEachTime(
                c,
                "UPDATE outbox_event"
                        + " SET status = CASE WHEN attempts > 1 THEN 'FAILED' ELSE 'PENDING' END,"
                        + " attempts = attempts - 1, next_attempt_at = now(), claimed_by = NULL, lease_until = NULL,"
                        + " delivered_at = NULL WHERE id = ANY (?) AND claimed_by IS NOT DISTINCT FROM ?")) {
            ps.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            ps.setString(2, owner);
            return ps.executeUpdate();
        }
    }

    /** Deletes up to {@code batch} events delivered before {@code olderThan}; returns how many. */
    public int purgeDelivered(Duration olderThan, int batch) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = Statements.plannedEachTime(
                        c,
                        "DELETE FROM outbox_event WHERE id IN ("
                                + " SELECT id FROM outbox_event WHERE status = 'DELIVERED'"
                                + " AND delivered_at < now() - ? * interval '1 millisecond' LIMIT ?)")) {
            ps.setLong(1, olderThan.toMillis());
            ps.setInt(2, batch);
            return ps.executeUpdate();
        }
    }

    /**
     * Whether some event is due now (pending or failed and its time has come, or a lease ran out),
     * its aggregate's order aside: one read of the claim's index, its plan kept (the publisher asks
     * every few milliseconds for a moment after it found work).
     */
    public boolean hasDue() throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = Statements.planKept(c, HAS_DUE);
                ResultSet rs = Statements.rowsOf(ps)) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    static final String HAS_DUE = "SELECT EXISTS (SELECT 1 FROM outbox_event"
            + " WHERE status IN ('PENDING', 'CLAIMED', 'FAILED') AND next_attempt_at <= now()"
            + " AND (claimed_by IS NULL OR lease_until <= now()))";

    /** Records that this publisher goes to sleep: from now on, commits of new events notify. */
    public void sleeping(String owner) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = Statements.plannedEachTime(
                        c,
                        "INSERT INTO outbox_listener (instance_id, sleeping_since)"
                                + " VALUES (?, now()) ON CONFLICT (instance_id) DO UPDATE SET sleeping_since = now()")) {
            ps.setString(1, owner);
            ps.executeUpdate();
        }
    }

    /** Records that this publisher works (again) or has stopped: commits need not notify for it. */
    public void awake(String owner) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps =
                        Statements.plannedEachTime(c, "DELETE FROM outbox_listener WHERE instance_id = ?")) {
            ps.setString(1, owner);
            ps.executeUpdate();
        }
    }

    /** Counts per status ({@link ShownStatus}) and type, and the age of the oldest event not delivered yet. */
    public Status status() throws SQLException {
        Map<String, Map<String, Long>> byType = new LinkedHashMap<>();
        Map<String, Long> totals = new LinkedHashMap<>();
        for (String s : List.of("PENDING", "CLAIMED", "FAILED", "DELIVERED", "DEAD")) {
            totals.put(s, 0L);
        }
        Duration oldest = Duration.ZERO;
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = Statements.plannedEachTime(
                            c,
                            "SELECT type, " + ShownStatus.of("")
                                    + ", count(*) FROM outbox_event GROUP BY 1, 2 ORDER BY 1, 2");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    byType.computeIfAbsent(rs.getString(1), t -> new LinkedHashMap<>())
                            .put(rs.getString(2), rs.getLong(3));
                    totals.merge(rs.getString(2), rs.getLong(3), Long::sum);
                }
            }
            oldest = oldestPendingAge(c);
        }
        return new Status(totals, byType, oldest);
    }

    /**
     * The age of the event at the head of the queue, the next the claim takes (zero when none
     * waits): the first entry of the claim's index, one row read however long the backlog. The
     * publisher asks every few seconds; the age of the oldest waiting event ({@link #status()})
     * reads every waiting row, which at a backlog of 100,000 cost 120-170 ms a call. The two
     * differ for an old event waiting for its retry time while newer ones are due: that one is
     * behind them in the queue, not lag. An event waiting behind an earlier event of its aggregate
     * stays at the head, and ages, until that one is settled.
     */
    public Duration lag() throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = Statements.plannedEachTime(c, HEAD_AGE);
                ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Duration.ofMillis(Math.max(0, (long) rs.getDouble(1))) : Duration.ZERO;
        }
    }

    static final String HEAD_AGE = "SELECT extract(epoch FROM now() - occurred_at) * 1000"
            + " FROM outbox_event WHERE status IN ('PENDING', 'CLAIMED', 'FAILED')"
            + " ORDER BY next_attempt_at, position LIMIT 1";

    private static Duration oldestPendingAge(Connection c) throws SQLException {
        try (PreparedStatement ps = Statements.plannedEachTime(
                        c,
                        "SELECT extract(epoch FROM now() - min(occurred_at)) * 1000"
                                + " FROM outbox_event WHERE status IN ('PENDING', 'CLAIMED', 'FAILED')");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            double millis = rs.getDouble(1);
            return rs.wasNull() ? Duration.ZERO : Duration.ofMillis(Math.max(0, (long) millis));
        }
    }

    /** What {@code status} reports. */
    public record Status(Map<String, Long> totals, Map<String, Map<String, Long>> byType, Duration oldestPending) {}
}
