package dev.ledgerbox.publisher.webhook;

import dev.ledgerbox.outbox.spi.Redaction;
import dev.ledgerbox.outbox.spi.Schemas;
import dev.ledgerbox.publisher.spi.ClaimedEvent;
import dev.ledgerbox.publisher.spi.Statements;
import dev.ledgerbox.publisher.spi.Text;
import dev.ledgerbox.publisher.webhook.Deliveries.Claimed;
import dev.ledgerbox.publisher.webhook.Deliveries.Prepared;
import dev.ledgerbox.publisher.webhook.Deliveries.Request;
import dev.ledgerbox.publisher.webhook.Deliveries.Result;
import dev.ledgerbox.publisher.webhook.Deliveries.Verdict;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * The webhook tables' SQL. Every method is one short transaction (or runs in the caller's); none
 * is open during an HTTP call. Thread-safe.
 */
final class WebhookStore {

    /**
     * One message per event and one delivery per enabled endpoint whose filters match it.
     *
     * <p>The plan is kept ({@link Statements#planKept}): the only table it reads is the endpoints'
     * (each event meets every enabled endpoint's filter, whatever the plan); the messages and
     * deliveries are only written, their conflicts found through their unique keys. Planned at each
     * execution it cost 0.2 ms a batch, most of what routing one or two events costs the database.
     */
    static final String ROUTE =
            """
            WITH ev (id, type, aggregatetype, aggregateid, aggregate_seq, body, correlation_id, traceparent,
                     tenant_id, occurred_at) AS (
                SELECT * FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[],
                                     ?::text[], ?::text[], ?::timestamptz[])),
            matched AS (
                SELECT ev.*, ep.id AS endpoint_id FROM ev
                JOIN webhook_endpoint ep ON ep.enabled AND ledgerbox_webhook_matches(ep.event_types, ev.type)),
            message AS (
                INSERT INTO webhook_message (event_id, type, aggregatetype, aggregateid, aggregate_seq, body,
                                             correlation_id, traceparent, tenant_id, occurred_at)
                SELECT DISTINCT ON (id) id, type, aggregatetype, aggregateid, aggregate_seq, body, correlation_id,
                       traceparent, tenant_id, occurred_at
                FROM matched
                ON CONFLICT (event_id) DO NOTHING)
            INSERT INTO webhook_delivery (event_id, endpoint_id, aggregatetype, aggregateid, aggregate_seq)
            SELECT id, endpoint_id, aggregatetype, aggregateid, aggregate_seq FROM matched
            ON CONFLICT (event_id, endpoint_id) DO NOTHING
            """;

    /**
     * Claims due deliveries, at most {@code n} per endpoint given, skipping those another
     * claimer holds. A delivery waits while an earlier delivery of its aggregate to the same
     * endpoint is still open, so a claim holds at most one per (endpoint, aggregate). The lease
     * covers the endpoint's timeout and the time to record the outcome; a claim whose lease ran out
     * (its claimer died) is due again. Claiming leaves {@code next_attempt_at} as it was, so such a
     * claim keeps its place in the queue: it comes before work that became due after it, and its
     * aggregate's later deliveries, which wait for it, are not held up behind a backlog.
     *
     * <p>The update takes the picked rows by key, as an array, each with its endpoint's lease from
     * {@code cap}, and each message is looked up by key ({@code OFFSET 0} keeps the planner from
     * turning the look-up into a join). Joined to {@code picked}, both were hashed full scans
     * whenever the planner expected more picked rows than look-ups pay for: a tenth of the due
     * rows at 50,000 deliveries (10-15 ms a claim), the whole room on tables of a few thousand rows
     * (about a millisecond a claim at 500 events a second). {@code WebhookStorePlanTest}.
     *
     * <p>Every row is reached through an index, so the plan is kept ({@link Statements#planKept}):
     * planning it at each claim cost more than running it when a claim takes a few deliveries.
     */
    static final String CLAIM =
            """
            WITH cap (endpoint_id, n, lease_ms) AS (
                SELECT * FROM unnest(?::uuid[], ?::int[], ?::bigint[])),
            picked AS (
                SELECT d.id FROM cap CROSS JOIN LATERAL (
                    SELECT d.id FROM webhook_delivery d
                    WHERE d.endpoint_id = cap.endpoint_id
                      AND d.status IN ('PENDING', 'CLAIMED', 'FAILED') AND d.next_attempt_at <= ?
                      AND (d.claimed_by IS NULL OR d.lease_until <= ?)
                      AND NOT EXISTS (
                          SELECT 1 FROM webhook_delivery p
                          WHERE p.endpoint_id = d.endpoint_id AND p.aggregatetype = d.aggregatetype
                            AND p.aggregateid = d.aggregateid AND p.aggregate_seq < d.aggregate_seq
                            AND p.status IN ('PENDING', 'CLAIMED', 'FAILED')
                          OFFSET 0) -- a lookup per candidate in webhook_delivery_open, never a join
                    ORDER BY d.next_attempt_at, d.id
                    LIMIT cap.n
                    FOR UPDATE OF d SKIP LOCKED) d),
            claimed AS (
                UPDATE webhook_delivery d
                   SET claimed_by = ?, attempts = d.attempts + 1,
                       lease_until = ?::timestamptz
                           + (SELECT cap.lease_ms FROM cap WHERE cap.endpoint_id = d.endpoint_id)
                             * interval '1 millisecond'
                 WHERE d.id = ANY (ARRAY(SELECT id FROM picked)) -- by key, never a join (see above)
                RETURNING d.id, d.event_id, d.endpoint_id, d.attempts, d.replay_id)
            SELECT c.id, c.event_id, c.endpoint_id, c.attempts, c.replay_id, m.type, m.body, m.correlation_id,
                   m.traceparent, m.occurred_at
            FROM claimed c CROSS JOIN LATERAL (
                SELECT m.type, m.body, m.correlation_id, m.traceparent, m.occurred_at FROM webhook_message m
                WHERE m.event_id = c.event_id
                OFFSET 0) m -- a lookup by key per claimed row, never a join
            """;

    static final String INSERT_ATTEMPTS =
            """
            INSERT INTO webhook_attempt (delivery_id, event_id, endpoint_id, attempt, replay_id, request_url,
                                         request_headers, request_body_sha256, request_bytes, requested_at)
            SELECT * FROM unnest(?::bigint[], ?::uuid[], ?::uuid[], ?::int[], ?::bigint[], ?::text[], ?::jsonb[],
                                 ?::text[], ?::int[], ?::timestamptz[])
            RETURNING id, delivery_id
            """;

    private final DataSource dataSource;
    private final SecretBox secretBox;

    WebhookStore(DataSource dataSource, SecretBox secretBox) {
        this.dataSource = dataSource;
        this.secretBox = secretBox;
    }

    /** Routes events, in the caller's transaction; {@code body} gives each event's message body. */
    static int route(Connection c, List<ClaimedEvent> events, Function<ClaimedEvent, String> body) throws SQLException {
        if (events.isEmpty()) {
            return 0;
        }
        int n = events.size();
        Object[] ids = new Object[n];
        String[] types = new String[n];
        String[] aggregateTypes = new String[n];
        String[] aggregateIds = new String[n];
        Long[] seqs = new Long[n];
        String[] bodies = new String[n];
        String[] correlations = new String[n];
        String[] traceparents = new String[n];
        String[] tenants = new String[n];
        String[] occurred = new String[n];
        for (int i = 0; i < n; i++) {
            ClaimedEvent e = events.get(i);
            ids[i] = e.id();
            types[i] = e.type();
            aggregateTypes[i] = e.aggregateType();
            aggregateIds[i] = e.aggregateId();
            seqs[i] = e.aggregateSeq();
            bodies[i] = body.apply(e);
            correlations[i] = e.correlationId();
            traceparents[i] = e.traceparent();
            tenants[i] = e.tenantId();
            occurred[i] = e.occurredAt().toString();
        }
        try (PreparedStatement ps = Statements.planKept(c, ROUTE)) {
            ps.setArray(1, c.createArrayOf("uuid", ids));
            ps.setArray(2, c.createArrayOf("text", types));
            ps.setArray(3, c.createArrayOf("text", aggregateTypes));
            ps.setArray(4, c.createArrayOf("text", aggregateIds));
            ps.setArray(5, c.createArrayOf("bigint", seqs));
            ps.setArray(6, c.createArrayOf("text", bodies));
            ps.setArray(7, c.createArrayOf("text", correlations));
            ps.setArray(8, c.createArrayOf("text", traceparents));
            ps.setArray(9, c.createArrayOf("text", tenants));
            ps.setArray(10, c.createArrayOf("text", occurred));
            return Statements.updateCountOf(ps);
        }
    }

    /** An endpoint's room in one claim: how many, and for how long a lease. */
    record Room(UUID endpointId, int n, long leaseMillis) {}

    /**
     * Claims deliveries and writes the request row of each attempt, in one transaction, before
     * any request is sent; {@code prepare} builds the requests (signing them) meanwhile.
     */
    List<Prepared> claim(String owner, List<Room> rooms, Instant now, Function<Claimed, Request> prepare)
            throws SQLException {
        if (rooms.isEmpty()) {
            return List.of();
        }
        return inTransaction(c -> claimIn(c, owner, rooms, now, prepare));
    }

    /**
     * A recording in a claim's transaction that waits for a lock (an endpoint's row, say) fails
     * after this and is left to the recorder: it would hold back the claims for every endpoint.
     */
    static final String SHORT_LOCK_WAITS = "SET LOCAL lock_timeout = '50ms'";

    /**
     * Records outcomes as {@link #record} does and then claims as {@link #claim} does, in one
     * transaction: one commit where there are two, and the claim sees what the outcomes made due.
     * A lock the recording waits for more than {@link #SHORT_LOCK_WAITS} allows fails it.
     */
    List<Prepared> recordAndClaim(
            String owner, List<Result> results, List<Room> rooms, Instant now, Function<Claimed, Request> prepare)
            throws SQLException {
        return inTransaction(c -> {
            try (Statement s = c.createStatement()) {
                s.execute(SHORT_LOCK_WAITS);
            }
            recordIn(c, owner, results);
            return rooms.isEmpty() ? List.of() : claimIn(c, owner, rooms, now, prepare);
        });
    }

    private static List<Prepared> claimIn(
            Connection c, String owner, List<Room> rooms, Instant now, Function<Claimed, Request> prepare)
            throws SQLException {
        return insertAttempts(c, claimRows(c, owner, rooms, now), prepare);
    }

    /** What runs in one transaction. */
    @FunctionalInterface
    private interface InTransaction<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T inTransaction(InTransaction<T> work) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private static List<Claimed> claimRows(Connection c, String owner, List<Room> rooms, Instant now)
            throws SQLException {
        Timestamp at = Timestamp.from(now);
        try (PreparedStatement ps = Statements.planKept(c, CLAIM)) {
            ps.setArray(
                    1,
                    c.createArrayOf("uuid", rooms.stream().map(Room::endpointId).toArray()));
            ps.setArray(2, c.createArrayOf("int4", rooms.stream().map(Room::n).toArray()));
            ps.setArray(
                    3,
                    c.createArrayOf(
                            "int8", rooms.stream().map(Room::leaseMillis).toArray()));
            ps.setTimestamp(4, at);
            ps.setTimestamp(5, at);
            ps.setString(6, owner);
            ps.setTimestamp(7, at);
            List<Claimed> claimed = new ArrayList<>();
            try (ResultSet rs = Statements.rowsOf(ps)) {
                while (rs.next()) {
                    claimed.add(new Claimed(
                            rs.getLong(1),
                            rs.getObject(2, UUID.class),
                            rs.getObject(3, UUID.class),
                            rs.getInt(4),
                            rs.getObject(5, Long.class), // NULL unless a replay asked for this attempt
                            rs.getString(6),
                            rs.getString(7),
                            rs.getString(8),
                            rs.getString(9),
                            rs.getTimestamp(10).toInstant()));
                }
            }
            claimed.sort((a, b) -> Long.compare(a.id(), b.id()));
            return claimed;
        }
    }

    private static List<Prepared> insertAttempts(
            Connection c, List<Claimed> claimed, Function<Claimed, Request> prepare) throws SQLException {
        if (claimed.isEmpty()) {
            return List.of();
        }
        int n = claimed.size();
        Request[] requests = new Request[n];
        Object[] deliveryIds = new Object[n];
        Object[] eventIds = new Object[n];
        Object[] endpointIds = new Object[n];
        Object[] attempts = new Object[n];
        Object[] replays = new Object[n];
        String[] urls = new String[n];
        String[] headers = new String[n];
        String[] hashes = new String[n];
        Object[] sizes = new Object[n];
        String[] times = new String[n];
        for (int i = 0; i < n; i++) {
            Claimed d = claimed.get(i);
            Request r = prepare.apply(d);
            requests[i] = r;
            deliveryIds[i] = d.id();
            eventIds[i] = d.eventId();
            endpointIds[i] = d.endpointId();
            attempts[i] = d.attempt();
            replays[i] = d.replayId();
            urls[i] = r.url().toString();
            headers[i] = WebhookEndpoints.json(r.storedHeaders());
            hashes[i] = r.bodySha256();
            sizes[i] = r.body().length;
            times[i] = r.requestedAt().toString();
        }
        Map<Long, Long> attemptIds = new HashMap<>();
        try (PreparedStatement ps = Statements.planKept(c, INSERT_ATTEMPTS)) {
            ps.setArray(1, c.createArrayOf("int8", deliveryIds));
            ps.setArray(2, c.createArrayOf("uuid", eventIds));
            ps.setArray(3, c.createArrayOf("uuid", endpointIds));
            ps.setArray(4, c.createArrayOf("int4", attempts));
            ps.setArray(5, c.createArrayOf("int8", replays));
            ps.setArray(6, c.createArrayOf("text", urls));
            ps.setArray(7, c.createArrayOf("text", headers));
            ps.setArray(8, c.createArrayOf("text", hashes));
            ps.setArray(9, c.createArrayOf("int4", sizes));
            ps.setArray(10, c.createArrayOf("text", times));
            try (ResultSet rs = Statements.rowsOf(ps)) {
                while (rs.next()) {
                    attemptIds.put(rs.getLong(2), rs.getLong(1));
                }
            }
        }
        List<Prepared> prepared = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            prepared.add(new Prepared(
                    claimed.get(i), requests[i], attemptIds.get(claimed.get(i).id())));
        }
        return prepared;
    }

    /**
     * Records attempts' responses and their deliveries' new state, in one transaction. A delivery
     * whose lease this owner lost keeps the state its new holder gives it; its attempt row is
     * completed all the same. A 410 disables the endpoint and dead-letters its waiting deliveries.
     */
    void record(String owner, List<Result> results) throws SQLException {
        if (results.isEmpty()) {
            return;
        }
        inTransaction(c -> {
            recordIn(c, owner, results);
            return null;
        });
    }

    private static void recordIn(Connection c, String owner, List<Result> results) throws SQLException {
        List<Result> answered = new ArrayList<>();
        List<Result> released = new ArrayList<>();
        for (Result r : results) {
            (r.verdict() == Verdict.RELEASED ? released : answered).add(r);
        }
        recordAnswered(c, owner, answered);
        release(c, owner, released);
        for (Result r : answered) {
            if (r.verdict() == Verdict.GONE) {
                disableGone(c, r.prepared().delivery().endpointId(), r.reason(), r.respondedAt());
            }
        }
    }

    /**
     * The attempts' responses and their deliveries' new state, one statement for the batch: the
     * batch's values are read once ({@code r}), each attempt and each delivery is looked up by its
     * id ({@code x.id = ANY (ARRAY[r.id])}: a condition on the primary key for each row of the
     * batch, and one the planner cannot use to walk the whole key in id order, as it did for {@code
     * d.id = r.id} in a plan made while the table held three rows). Named by status, the planner
     * could reach the deliveries through the due or the open index, whose entries for every
     * delivery settled since the last vacuum it would then read ({@code WebhookStorePlanTest}).
     * Found through the list of ids as one array ({@code d.id = ANY (ids) AND d.id = r.id}), the
     * rows were read in one scan of the key but each joined to its values by reading the whole
     * batch again: 38-44 µs of the database's time a delivery in the webhook benchmark ({@code
     * pg_stat_statements}), against 21-25 µs looked up one by one.
     *
     * <p>{@code claimed_by} alone says who holds a delivery (set by a claim, cleared by every way
     * out of it): one whose lease this owner lost is left to its new holder, and its attempt row is
     * completed all the same.
     */
    static final String RECORD =
            """
            WITH r (attempt_id, responded_at, duration_ms, response_status, response_headers, response_body,
                    response_truncated, error_class, error_message, outcome, delivery_id, status, next_attempt_at,
                    last_error, delivered_at, dead_at) AS (
                SELECT * FROM unnest(?::bigint[], ?::timestamptz[], ?::int[], ?::int[], ?::jsonb[], ?::text[],
                                     ?::boolean[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::text[],
                                     ?::timestamptz[], ?::text[], ?::timestamptz[], ?::timestamptz[])),
            responses AS (
                UPDATE webhook_attempt a
                   SET responded_at = r.responded_at, duration_ms = r.duration_ms,
                       response_status = r.response_status, response_headers = r.response_headers,
                       response_body = r.response_body, response_truncated = r.response_truncated,
                       error_class = r.error_class, error_message = r.error_message, outcome = r.outcome
                  FROM r
                 WHERE a.id = ANY (ARRAY[r.attempt_id]))
            UPDATE webhook_delivery d
               SET status = r.status, next_attempt_at = coalesce(r.next_attempt_at, d.next_attempt_at),
                   last_status = r.response_status, last_error = r.last_error, claimed_by = NULL,
                   lease_until = NULL, delivered_at = r.delivered_at, dead_at = r.dead_at
              FROM r
             WHERE d.id = ANY (ARRAY[r.delivery_id]) AND d.claimed_by = ?
            """;

    /** The element types of {@link #RECORD}'s arrays, in the order of its list {@code r}. */
    private static final String[] RECORD_TYPES = {
        "bigint", "text", "integer", "integer", "text", "text", "boolean", "text", "text", "text", "bigint", "text",
        "text", "text", "text", "text"
    };

    /** Records what the attempts that were sent got back ({@link #RECORD}). */
    private static void recordAnswered(Connection c, String owner, List<Result> answered) throws SQLException {
        if (answered.isEmpty()) {
            return;
        }
        int n = answered.size();
        Object[][] columns = new Object[RECORD_TYPES.length][n]; // one array per column of RECORD's list r
        for (int i = 0; i < n; i++) {
            Result r = answered.get(i);
            WebhookClient.Response response = r.response();
            Exception error = response.error();
            String status =
                    switch (r.verdict()) {
                        case DELIVERED -> "DELIVERED";
                        case RETRY, RELEASED -> "FAILED";
                        case DEAD, GONE -> "DEAD";
                    };
            String at = r.respondedAt().toString();
            columns[0][i] = r.prepared().attemptId();
            columns[1][i] = at;
            columns[2][i] = (int) Math.min(Integer.MAX_VALUE, response.durationMillis());
            if (response.status() > 0) {
                columns[3][i] = response.status();
                columns[4][i] = WebhookEndpoints.json(Redaction.headers(response.headers()));
                columns[5][i] = Redaction.text(response.body());
                columns[6][i] = response.truncated();
            }
            columns[7][i] = error == null ? null : error.getClass().getName();
            columns[8][i] = error == null ? null : Redaction.text(Text.truncate(error.getMessage(), 2000));
            columns[9][i] = r.verdict().name();
            columns[10][i] = r.prepared().delivery().id();
            columns[11][i] = status;
            columns[12][i] =
                    r.nextAttemptAt() == null ? null : r.nextAttemptAt().toString();
            columns[13][i] = r.reason() == null ? null : Text.truncate(r.reason(), 2000);
            columns[14][i] = r.verdict() == Verdict.DELIVERED ? at : null;
            columns[15][i] = status.equals("DEAD") ? at : null;
        }
        try (PreparedStatement ps = Statements.planKept(c, RECORD)) {
            for (int k = 0; k < columns.length; k++) {
                ps.setArray(k + 1, c.createArrayOf(RECORD_TYPES[k], columns[k]));
            }
            ps.setString(columns.length + 1, owner);
            Statements.updateCountOf(ps);
        }
    }

    /** Gives unsent deliveries back: their attempt rows go, their attempt is not counted. */
    private static void release(Connection c, String owner, List<Result> released) throws SQLException {
        if (released.isEmpty()) {
            return;
        }
        int n = released.size();
        Object[] attemptIds = new Object[n];
        Object[] deliveryIds = new Object[n];
        Object[] dueAt = new Object[n];
        for (int i = 0; i < n; i++) {
            Result r = released.get(i);
            attemptIds[i] = r.prepared().attemptId();
            deliveryIds[i] = r.prepared().delivery().id();
            dueAt[i] = r.respondedAt().toString();
        }
        try (PreparedStatement attempts =
                        Statements.plannedEachTime(c, "DELETE FROM webhook_attempt WHERE id = ANY (?::bigint[])");
                PreparedStatement deliveries = Statements.plannedEachTime(
                        c,
                        """
                        UPDATE webhook_delivery d
                           SET status = CASE WHEN d.attempts > 1 THEN 'FAILED' ELSE 'PENDING' END,
                               attempts = d.attempts - 1, next_attempt_at = r.due_at, claimed_by = NULL,
                               lease_until = NULL
                          FROM unnest(?::bigint[], ?::timestamptz[]) AS r (id, due_at)
                         WHERE d.id = ANY (?::bigint[]) AND d.id = r.id AND d.claimed_by = ?
                        """)) {
            attempts.setArray(1, c.createArrayOf("bigint", attemptIds));
            attempts.executeUpdate();
            deliveries.setArray(1, c.createArrayOf("bigint", deliveryIds));
            deliveries.setArray(2, c.createArrayOf("text", dueAt));
            deliveries.setArray(3, c.createArrayOf("bigint", deliveryIds));
            deliveries.setString(4, owner);
            deliveries.executeUpdate();
        }
    }

    private static void disableGone(Connection c, UUID endpointId, String reason, Instant at) throws SQLException {
        try (PreparedStatement endpoint = Statements.plannedEachTime(
                        c,
                        "UPDATE webhook_endpoint SET enabled = false,"
                                + " disabled_reason = ?, updated_at = now() WHERE id = ? AND enabled");
                PreparedStatement waiting = Statements.plannedEachTime(
                        c,
                        "UPDATE webhook_delivery SET status = 'DEAD',"
                                + " dead_at = ?, last_error = ? WHERE endpoint_id = ? AND status IN ('PENDING', 'FAILED')"
                                + " AND claimed_by IS NULL")) { // held ones are recorded by their holders
            endpoint.setString(1, reason);
            endpoint.setObject(2, endpointId);
            endpoint.executeUpdate();
            waiting.setTimestamp(1, Timestamp.from(at));
            waiting.setString(2, "endpoint disabled: " + reason);
            waiting.setObject(3, endpointId);
            waiting.executeUpdate();
        }
    }

    /** Enabled endpoints with their current secrets, for the dispatcher's cache. */
    List<EndpointConfig> endpoints(Instant now) throws SQLException {
        Map<UUID, List<WebhookSecret>> secrets = new HashMap<>();
        List<WebhookEndpoint> endpoints = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = Statements.plannedEachTime(
                            c, "SELECT " + WebhookEndpoints.COLUMNS + " FROM webhook_endpoint WHERE enabled");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    endpoints.add(WebhookEndpoints.read(rs, secretBox));
                }
            }
            try (PreparedStatement ps = Statements.plannedEachTime(
                    c,
                    "SELECT s.endpoint_id, s.secret FROM webhook_secret s"
                            + " JOIN webhook_endpoint e ON e.id = s.endpoint_id AND e.enabled"
                            + " WHERE s.expires_at IS NULL OR s.expires_at > ? ORDER BY s.created_at DESC, s.id DESC")) {
                ps.setTimestamp(1, Timestamp.from(now));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        UUID endpoint = rs.getObject(1, UUID.class);
                        secrets.computeIfAbsent(endpoint, k -> new ArrayList<>())
                                .add(WebhookSecret.parse(
                                        secretBox.open(rs.getString(2), WebhookEndpoints.secretContext(endpoint))));
                    }
                }
            }
        }
        List<EndpointConfig> configs = new ArrayList<>();
        for (WebhookEndpoint e : endpoints) {
            configs.add(new EndpointConfig(e, List.copyOf(secrets.getOrDefault(e.id(), List.of()))));
        }
        return configs;
    }

    record EndpointConfig(WebhookEndpoint endpoint, List<WebhookSecret> secrets) {}

    /** Whether any delivery is due at {@code now}. */
    boolean hasDue(Instant now) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = Statements.plannedEachTime(
                        c,
                        "SELECT EXISTS (SELECT 1 FROM webhook_delivery"
                                + " WHERE status IN ('PENDING', 'CLAIMED', 'FAILED') AND next_attempt_at <= ?"
                                + " AND (claimed_by IS NULL OR lease_until <= ?))")) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setTimestamp(2, Timestamp.from(now));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /**
     * Deletes up to {@code batch} deliveries that were delivered or died before {@code olderThan}
     * ago, with their attempts, and their messages once no delivery needs them; returns how many
     * deliveries.
     */
    int purge(java.time.Duration olderThan, int batch) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = Statements.plannedEachTime(
                        c,
                        """
                        WITH old AS (
                            SELECT id, event_id FROM webhook_delivery
                            WHERE status IN ('DELIVERED', 'DEAD')
                              AND coalesce(delivered_at, dead_at) < now() - ? * interval '1 millisecond'
                            LIMIT ?),
                        attempts AS (DELETE FROM webhook_attempt WHERE delivery_id IN (SELECT id FROM old)),
                        deliveries AS (DELETE FROM webhook_delivery WHERE id IN (SELECT id FROM old) RETURNING event_id),
                        messages AS (
                            DELETE FROM webhook_message m WHERE m.event_id IN (SELECT event_id FROM deliveries)
                              AND NOT EXISTS (SELECT 1 FROM webhook_delivery x
                                              WHERE x.event_id = m.event_id AND x.id NOT IN (SELECT id FROM old)))
                        SELECT count(*) FROM deliveries
                        """)) {
            ps.setLong(1, olderThan.toMillis());
            ps.setInt(2, batch);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** Whether the webhook schema is installed in this database. */
    boolean installed() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return Schemas.installed(c, "webhook_delivery");
        }
    }
}
