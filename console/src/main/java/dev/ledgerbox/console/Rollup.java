package dev.ledgerbox.console;

import dev.ledgerbox.outbox.spi.Schemas;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Webhook attempts and outbox events per minute ({@code console_attempt_minute}, {@code
 * console_event_minute}), and the reads that combine them with the raw rows of the minutes not
 * rolled up yet. A pass rolls up every whole minute since the last pass, rolls up again the
 * minutes of the last {@link #SETTLE} whose attempts were unfinished (or whose events may have
 * committed late), and works in chunks of at most six hours, one transaction each. Instances
 * take turns through an advisory lock. Thread-safe.
 */
final class Rollup {

    /** Latency buckets: bucket {@code i} holds durations under {@code BOUNDS_MS[i]} ms (and at least the one before); the last, everything longer. */
    static final int[] BOUNDS_MS = {
        5, 10, 25, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10_000, 15_000, 30_000,
        60_000, 300_000
    };

    /** How far back a pass rolls up minutes again (an attempt's timeout is at most five minutes). */
    static final Duration SETTLE = Duration.ofMinutes(10);

    /** The coarser rollup's step. */
    static final Duration QUARTER = Duration.ofMinutes(15);

    private static final Duration CHUNK = Duration.ofHours(6);
    private static final long LOCK = 0x4c65_6467_6572_626fL; // "Ledgerbo"

    /** One endpoint and event type over one stretch of time. */
    static final class Cell {
        final Instant minute;
        final UUID endpointId;
        final String eventType;
        long attempts;
        long delivered;
        long retried;
        long dead;
        long unfinished;
        final long[] latency = new long[BOUNDS_MS.length + 1];

        Cell(Instant minute, UUID endpointId, String eventType) {
            this.minute = minute;
            this.endpointId = endpointId;
            this.eventType = eventType;
        }

        long finished() {
            return delivered + retried + dead;
        }

        void add(Cell other) {
            attempts += other.attempts;
            delivered += other.delivered;
            retried += other.retried;
            dead += other.dead;
            unfinished += other.unfinished;
            for (int i = 0; i < latency.length; i++) {
                latency[i] += other.latency[i];
            }
        }
    }

    /** Events of one type in one minute. */
    record EventCount(Instant minute, String eventType, long events) {}

    private final DataSource dataSource;

    Rollup(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Rolls up every whole minute before {@code now} not rolled up yet; returns the minutes written,
     * or -1 when another instance is at it or the schemas are not installed.
     */
    int catchUp(Instant now) throws SQLException {
        Instant until = now.truncatedTo(ChronoUnit.MINUTES);
        int written = 0;
        while (true) {
            try (Connection c = dataSource.getConnection()) {
                if (!Schemas.installed(c, "console_rollup_state") || !Schemas.installed(c, "webhook_attempt")) {
                    return -1;
                }
                c.setAutoCommit(false);
                try {
                    if (!lock(c)) {
                        c.rollback();
                        return -1;
                    }
                    Instant rolled = rolledUntil(c);
                    Instant settleFrom = until.minus(SETTLE);
                    Instant from = start(c, rolled, settleFrom);
                    Instant to = from.plus(CHUNK).isBefore(until) ? from.plus(CHUNK) : until;
                    if (!from.isBefore(to)) {
                        c.rollback();
                        return written;
                    }
                    written += rollAttempts(c, from, to);
                    rollQuarters(c, floorQuarter(from), floorQuarter(to));
                    // events commit after they occur: their recent minutes are always counted again
                    rollEvents(c, from.isBefore(settleFrom) ? from : settleFrom, to);
                    try (PreparedStatement ps = c.prepareStatement(
                            "UPDATE console_rollup_state SET rolled_until = greatest(rolled_until, ?)")) {
                        ps.setTimestamp(1, Timestamp.from(to));
                        ps.executeUpdate();
                    }
                    c.commit();
                    if (!to.isBefore(until)) {
                        return written;
                    }
                } catch (SQLException | RuntimeException e) {
                    c.rollback();
                    throw e;
                }
            }
        }
    }

    /**
     * Where a pass starts: the first minute not rolled up, or the first recent one with unfinished
     * attempts, to roll up again.
     */
    private static Instant start(Connection c, Instant rolled, Instant settleFrom) throws SQLException {
        if (rolled.equals(Instant.MIN)) {
            try (PreparedStatement ps =
                            c.prepareStatement("SELECT least((SELECT min(requested_at) FROM webhook_attempt),"
                                    + " (SELECT min(occurred_at) FROM outbox_event))");
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                Timestamp first = rs.getTimestamp(1);
                return first == null ? settleFrom : first.toInstant().truncatedTo(ChronoUnit.MINUTES);
            }
        }
        if (rolled.isBefore(settleFrom)) {
            return rolled; // catching up: everything since the last pass
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT min(minute) FROM console_attempt_minute WHERE minute >= ? AND unfinished > 0")) {
            ps.setTimestamp(1, Timestamp.from(settleFrom));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                Timestamp unfinished = rs.getTimestamp(1);
                return unfinished == null || rolled.isBefore(unfinished.toInstant()) ? rolled : unfinished.toInstant();
            }
        }
    }

    private static boolean lock(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_xact_lock(?)")) {
            ps.setLong(1, LOCK);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static Instant rolledUntil(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                        "SELECT rolled_until, rolled_until = '-infinity' FROM console_rollup_state FOR UPDATE");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getBoolean(2) ? Instant.MIN : rs.getTimestamp(1).toInstant();
        }
    }

    private int rollAttempts(Connection c, Instant from, Instant to) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("DELETE FROM console_attempt_minute WHERE minute >= ? AND minute < ?")) {
            ps.setTimestamp(1, Timestamp.from(from));
            ps.setTimestamp(2, Timestamp.from(to));
            ps.executeUpdate();
        }
        List<Cell> cells = raw(c, from, to);
        insert(c, "console_attempt_minute", "minute", cells);
        return cells.size();
    }

    /** Sums the minutes of the quarters in {@code [from, to)} (whole quarters, all over) into quarter rows. */
    private static void rollQuarters(Connection c, Instant from, Instant to) throws SQLException {
        if (!from.isBefore(to)) {
            return;
        }
        try (PreparedStatement ps =
                c.prepareStatement("DELETE FROM console_attempt_quarter WHERE quarter >= ? AND quarter < ?")) {
            ps.setTimestamp(1, Timestamp.from(from));
            ps.setTimestamp(2, Timestamp.from(to));
            ps.executeUpdate();
        }
        Map<List<Object>, Cell> quarters = new HashMap<>();
        for (Cell m : read(c, "console_attempt_minute", "minute", from, to)) {
            Instant q = floorQuarter(m.minute);
            quarters.computeIfAbsent(List.of(q, m.endpointId, m.eventType), k -> new Cell(q, m.endpointId, m.eventType))
                    .add(m);
        }
        insert(c, "console_attempt_quarter", "quarter", quarters.values());
    }

    static Instant floorQuarter(Instant t) {
        long q = QUARTER.toSeconds();
        return Instant.ofEpochSecond(Math.floorDiv(t.getEpochSecond(), q) * q);
    }

    static Instant ceilQuarter(Instant t) {
        Instant floor = floorQuarter(t);
        return floor.equals(t) ? t : floor.plus(QUARTER);
    }

    private static void insert(Connection c, String table, String column, java.util.Collection<Cell> cells)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO " + table + " (" + column + ", endpoint_id,"
                        + " event_type, attempts, delivered, retried, dead, unfinished, latency) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (Cell cell : cells) {
                ps.setTimestamp(1, Timestamp.from(cell.minute));
                ps.setObject(2, cell.endpointId);
                ps.setString(3, cell.eventType);
                ps.setLong(4, cell.attempts);
                ps.setLong(5, cell.delivered);
                ps.setLong(6, cell.retried);
                ps.setLong(7, cell.dead);
                ps.setLong(8, cell.unfinished);
                Object[] buckets = new Object[cell.latency.length];
                for (int i = 0; i < buckets.length; i++) {
                    buckets[i] = (int) cell.latency[i];
                }
                ps.setArray(9, c.createArrayOf("integer", buckets));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static void rollEvents(Connection c, Instant from, Instant to) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("DELETE FROM console_event_minute WHERE minute >= ? AND minute < ?")) {
            ps.setTimestamp(1, Timestamp.from(from));
            ps.setTimestamp(2, Timestamp.from(to));
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO console_event_minute (minute, event_type, events)"
                + " SELECT date_trunc('minute', occurred_at), type, count(*) FROM outbox_event"
                + " WHERE occurred_at >= ? AND occurred_at < ? GROUP BY 1, 2")) {
            ps.setTimestamp(1, Timestamp.from(from));
            ps.setTimestamp(2, Timestamp.from(to));
            ps.executeUpdate();
        }
    }

    /**
     * The attempts of {@code [from, to)} per minute (or, with {@code quarters}, per quarter of an
     * hour where whole quarters fit), endpoint and event type, from the rollups where they reach
     * and the raw rows after them.
     */
    List<Cell> attempts(Instant from, Instant to, boolean quarters) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            if (!Schemas.installed(c, "console_attempt_minute") || !Schemas.installed(c, "webhook_attempt")) {
                return List.of();
            }
            Instant rolled = rolledUntil(c);
            Instant split = rolled.isBefore(from) ? from : rolled.isAfter(to) ? to : rolled;
            List<Cell> cells = new ArrayList<>();
            Instant qFrom = ceilQuarter(from);
            Instant qTo = floorQuarter(split);
            if (quarters && qFrom.isBefore(qTo)) {
                cells.addAll(read(c, "console_attempt_minute", "minute", from, qFrom));
                cells.addAll(read(c, "console_attempt_quarter", "quarter", qFrom, qTo));
                cells.addAll(read(c, "console_attempt_minute", "minute", qTo, split));
            } else {
                cells.addAll(read(c, "console_attempt_minute", "minute", from, split));
            }
            if (split.isBefore(to)) {
                // a minute or two of rows: starting a parallel worker would cost more than it saves
                try (Statement s = c.createStatement()) {
                    s.execute("SET max_parallel_workers_per_gather = 0");
                    cells.addAll(raw(c, split, to));
                } finally {
                    try (Statement s = c.createStatement()) {
                        s.execute("RESET max_parallel_workers_per_gather");
                    }
                }
            }
            return cells;
        }
    }

    /** The rows of a rollup table in {@code [from, to)}. */
    private static List<Cell> read(Connection c, String table, String column, Instant from, Instant to)
            throws SQLException {
        List<Cell> cells = new ArrayList<>();
        if (!from.isBefore(to)) {
            return cells;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT " + column + ", endpoint_id, event_type, attempts,"
                + " delivered, retried, dead, unfinished, latency::text FROM " + table + " WHERE " + column
                + " >= ? AND "
                + column + " < ?")) {
            ps.setTimestamp(1, Timestamp.from(from));
            ps.setTimestamp(2, Timestamp.from(to));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Cell cell = new Cell(rs.getTimestamp(1).toInstant(), rs.getObject(2, UUID.class), rs.getString(3));
                    cell.attempts = rs.getLong(4);
                    cell.delivered = rs.getLong(5);
                    cell.retried = rs.getLong(6);
                    cell.dead = rs.getLong(7);
                    cell.unfinished = rs.getLong(8);
                    parseBuckets(rs.getString(9), cell.latency);
                    cells.add(cell);
                }
            }
        }
        return cells;
    }

    /** Reads {@code {1,0,3,...}} into the buckets (faster than the driver's array objects). */
    static void parseBuckets(String text, long[] buckets) {
        int bucket = 0;
        long n = 0;
        for (int i = 1; i < text.length() - 1; i++) {
            char ch = text.charAt(i);
            if (ch == ',') {
                if (bucket < buckets.length) {
                    buckets[bucket] = n;
                }
                bucket++;
                n = 0;
            } else {
                n = n * 10 + (ch - '0');
            }
        }
        if (bucket < buckets.length && text.length() > 2) {
            buckets[bucket] = n;
        }
    }

    /** Events per minute and type in {@code [from, to)}, from the rollup and the raw rows after it. */
    List<EventCount> events(Instant from, Instant to) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            if (!Schemas.installed(c, "console_event_minute")) {
                return List.of();
            }
            Instant rolled = rolledUntil(c);
            Instant split = rolled.isBefore(from) ? from : rolled.isAfter(to) ? to : rolled;
            List<EventCount> counts = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT minute, event_type, events FROM console_event_minute WHERE minute >= ? AND minute < ?"
                            + " UNION ALL SELECT date_trunc('minute', occurred_at), type, count(*) FROM outbox_event"
                            + " WHERE occurred_at >= ? AND occurred_at < ? GROUP BY 1, 2")) {
                ps.setTimestamp(1, Timestamp.from(from));
                ps.setTimestamp(2, Timestamp.from(split));
                ps.setTimestamp(3, Timestamp.from(split));
                ps.setTimestamp(4, Timestamp.from(to));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        counts.add(new EventCount(rs.getTimestamp(1).toInstant(), rs.getString(2), rs.getLong(3)));
                    }
                }
            }
            return counts;
        }
    }

    /** The raw attempts of {@code [from, to)}, grouped per minute, endpoint, event type. */
    private static List<Cell> raw(Connection c, Instant from, Instant to) throws SQLException {
        Map<List<Object>, Cell> cells = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT date_trunc('minute', a.requested_at), a.endpoint_id,"
                + " m.type, a.outcome, CASE WHEN a.duration_ms IS NULL THEN -1 ELSE width_bucket(a.duration_ms, ?) END,"
                + " count(*) FROM webhook_attempt a JOIN webhook_message m ON m.event_id = a.event_id"
                + " WHERE a.requested_at >= ? AND a.requested_at < ? GROUP BY 1, 2, 3, 4, 5")) {
            Object[] bounds = new Object[BOUNDS_MS.length];
            for (int i = 0; i < bounds.length; i++) {
                bounds[i] = BOUNDS_MS[i];
            }
            ps.setArray(1, c.createArrayOf("integer", bounds));
            ps.setTimestamp(2, Timestamp.from(from));
            ps.setTimestamp(3, Timestamp.from(to));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Instant minute = rs.getTimestamp(1).toInstant();
                    UUID endpoint = rs.getObject(2, UUID.class);
                    String type = rs.getString(3);
                    Cell cell = cells.computeIfAbsent(
                            List.of(minute, endpoint, type), k -> new Cell(minute, endpoint, type));
                    String outcome = rs.getString(4);
                    int bucket = rs.getInt(5);
                    long n = rs.getLong(6);
                    cell.attempts += n;
                    switch (Objects.requireNonNullElse(outcome, "")) {
                        case "DELIVERED" -> cell.delivered += n;
                        case "RETRY" -> cell.retried += n;
                        case "DEAD", "GONE" -> cell.dead += n;
                        default -> cell.unfinished += n;
                    }
                    if (bucket >= 0) {
                        cell.latency[bucket] += n;
                    }
                }
            }
        }
        return new ArrayList<>(cells.values());
    }

    /**
     * The latency under which a fraction {@code q} of the attempts came back: the upper bound of
     * the bucket where the count reaches it (so within one bucket of the truth, never under it);
     * null without attempts; for the last bucket, its lower bound.
     */
    static Integer percentile(long[] latency, double q) {
        long total = 0;
        for (long n : latency) {
            total += n;
        }
        if (total == 0) {
            return null;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < latency.length; i++) {
            seen += latency[i];
            if (seen >= rank) {
                return i < BOUNDS_MS.length ? BOUNDS_MS[i] : BOUNDS_MS[BOUNDS_MS.length - 1];
            }
        }
        return BOUNDS_MS[BOUNDS_MS.length - 1];
    }
}
