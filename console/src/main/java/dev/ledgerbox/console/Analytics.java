package dev.ledgerbox.console;

import dev.ledgerbox.console.ConsoleSettings.HealthThresholds;
import dev.ledgerbox.console.Rollup.Cell;
import dev.ledgerbox.console.Rollup.EventCount;
import dev.ledgerbox.outbox.spi.Schemas;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * The figures of the overview, the endpoint health scores and the report, from the rollups (see
 * {@link Rollup}): success rate (delivered among the attempts that finished), latency percentiles
 * (to the upper bound of a latency bucket), throughput, dead letters, outbox lag. Thread-safe.
 */
final class Analytics {

    private final DataSource dataSource;
    private final Rollup rollup;
    private final HealthThresholds thresholds;
    private final Supplier<Map<UUID, String>> circuits;
    private final Clock clock;

    Analytics(
            DataSource dataSource,
            Rollup rollup,
            HealthThresholds thresholds,
            Supplier<Map<UUID, String>> circuits,
            Clock clock) {
        this.dataSource = dataSource;
        this.rollup = rollup;
        this.thresholds = thresholds;
        this.circuits = circuits;
        this.clock = clock;
    }

    /** Totals of some cells. */
    static Cell total(Iterable<Cell> cells) {
        Cell total = new Cell(null, null, null);
        cells.forEach(total::add);
        return total;
    }

    /** The figures of a total as JSON fields. */
    static Map<String, Object> figures(Cell t) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("attempts", t.attempts);
        f.put("delivered", t.delivered);
        f.put("retried", t.retried);
        f.put("dead", t.dead);
        f.put("unfinished", t.unfinished);
        f.put("successRate", t.finished() == 0 ? null : (double) t.delivered / t.finished());
        f.put("p50Ms", Rollup.percentile(t.latency, 0.50));
        f.put("p95Ms", Rollup.percentile(t.latency, 0.95));
        f.put("p99Ms", Rollup.percentile(t.latency, 0.99));
        return f;
    }

    /** The overview over the last {@code window}: totals, a series of 60 points, per endpoint and per type. */
    Map<String, Object> overview(Duration window) throws SQLException {
        Instant now = clock.instant();
        // points of a minute up to an hour's window (60 of them); beyond, of a multiple of a quarter of
        // an hour (48 of 30 minutes for a day), so that the quarter rollups fill them
        long minutes = Math.max(1, window.toMinutes());
        long stepMinutes = minutes <= 60 ? 1 : (minutes / 60 + 14) / 15 * 15;
        long step = stepMinutes * 60;
        long count = (minutes + stepMinutes - 1) / stepMinutes;
        Instant from = Instant.ofEpochSecond(now.getEpochSecond() / step * step - (count - 1) * step);
        List<Cell> cells = rollup.attempts(from, now, stepMinutes % 15 == 0);
        List<EventCount> events = rollup.events(from, now);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("window", window.toString());
        json.put("from", from.toString());
        json.put("to", now.toString());
        long eventCount = events.stream().mapToLong(EventCount::events).sum();
        double seconds = Math.max(1, Duration.between(from, now).toSeconds());
        Cell total = total(cells);
        Map<String, Object> totals = figures(total);
        totals.put("events", eventCount);
        totals.put("eventsPerSecond", eventCount / seconds);
        totals.put("attemptsPerSecond", total.attempts / seconds);
        totals.put("deliveredPerSecond", total.delivered / seconds);
        json.put("totals", totals);
        json.put("outbox", outboxLag(now));
        json.put("deadLetters", deadLetters());

        TreeMap<Long, long[]> series = new TreeMap<>();
        for (long t = from.getEpochSecond(); t <= now.getEpochSecond(); t += step) {
            series.put(t, new long[4]);
        }
        for (Cell c : cells) {
            long[] point = point(series, from, step, c.minute);
            if (point != null) {
                point[0] += c.delivered;
                point[1] += c.retried + c.dead;
                point[2] += c.attempts;
            }
        }
        for (EventCount e : events) {
            long[] point = point(series, from, step, e.minute());
            if (point != null) {
                point[3] += e.events();
            }
        }
        List<Map<String, Object>> points = new ArrayList<>();
        series.forEach((t, p) -> {
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("at", Instant.ofEpochSecond(t).toString());
            point.put("delivered", p[0]);
            point.put("failed", p[1]);
            point.put("attempts", p[2]);
            point.put("events", p[3]);
            points.add(point);
        });
        json.put("stepSeconds", step);
        json.put("series", points);

        Map<String, String> urls = endpointUrls();
        Map<UUID, List<Cell>> byEndpoint = new HashMap<>();
        Map<String, List<Cell>> byType = new TreeMap<>();
        for (Cell c : cells) {
            byEndpoint.computeIfAbsent(c.endpointId, k -> new ArrayList<>()).add(c);
            byType.computeIfAbsent(c.eventType, k -> new ArrayList<>()).add(c);
        }
        List<Map<String, Object>> endpoints = new ArrayList<>();
        byEndpoint.forEach((id, list) -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("endpointId", id.toString());
            row.put("url", urls.getOrDefault(id.toString(), "(deleted)"));
            row.putAll(figures(total(list)));
            endpoints.add(row);
        });
        endpoints.sort(Comparator.comparing(r -> (String) r.get("url")));
        json.put("endpoints", endpoints);
        Map<String, Long> eventsByType = new TreeMap<>();
        events.forEach(e -> eventsByType.merge(e.eventType(), e.events(), Long::sum));
        List<Map<String, Object>> types = new ArrayList<>();
        for (String type : union(eventsByType.keySet(), byType.keySet())) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("eventType", type);
            row.put("events", eventsByType.getOrDefault(type, 0L));
            row.putAll(figures(total(byType.getOrDefault(type, List.of()))));
            types.add(row);
        }
        json.put("eventTypes", types);
        return json;
    }

    private static long[] point(TreeMap<Long, long[]> series, Instant from, long step, Instant at) {
        long slot = from.getEpochSecond() + (at.getEpochSecond() - from.getEpochSecond()) / step * step;
        return series.get(slot);
    }

    private static List<String> union(java.util.Set<String> a, java.util.Set<String> b) {
        java.util.TreeSet<String> all = new java.util.TreeSet<>(a);
        all.addAll(b);
        return new ArrayList<>(all);
    }

    /** Each endpoint's health over the thresholds' window, by endpoint id. */
    Map<UUID, Health> health() throws SQLException {
        Instant now = clock.instant();
        Instant from = now.minus(thresholds.window());
        Map<UUID, List<Cell>> byEndpoint = new HashMap<>();
        for (Cell c : rollup.attempts(from.truncatedTo(ChronoUnit.MINUTES), now, false)) {
            byEndpoint.computeIfAbsent(c.endpointId, k -> new ArrayList<>()).add(c);
        }
        Map<UUID, Long> dead = new HashMap<>();
        Map<UUID, Health> health = new LinkedHashMap<>();
        try (Connection c = dataSource.getConnection()) {
            if (!Schemas.installed(c, "webhook_endpoint")) {
                return health;
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT endpoint_id, count(*) FROM webhook_delivery"
                    + " WHERE status = 'DEAD' AND dead_at >= ? GROUP BY endpoint_id")) {
                ps.setTimestamp(1, Timestamp.from(from));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        dead.put(rs.getObject(1, UUID.class), rs.getLong(2));
                    }
                }
            }
            Map<UUID, String> circuitStates = circuits.get();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, enabled FROM webhook_endpoint ORDER BY url");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    UUID id = rs.getObject(1, UUID.class);
                    health.put(
                            id,
                            Health.of(
                                    total(byEndpoint.getOrDefault(id, List.of())),
                                    dead.getOrDefault(id, 0L),
                                    circuitStates.get(id),
                                    rs.getBoolean(2),
                                    thresholds));
                }
            }
        }
        return health;
    }

    /** Events waiting for the publisher: how many, and how old the oldest is. */
    Map<String, Object> outboxLag(Instant now) throws SQLException {
        Map<String, Object> lag = new LinkedHashMap<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT count(*), min(occurred_at) FROM outbox_event"
                        + " WHERE status IN ('PENDING', 'CLAIMED', 'FAILED')");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            Timestamp oldest = rs.getTimestamp(2);
            lag.put("pending", rs.getLong(1));
            lag.put(
                    "lagSeconds",
                    oldest == null
                            ? 0
                            : Math.max(
                                    0, Duration.between(oldest.toInstant(), now).toSeconds()));
        }
        return lag;
    }

    /** Dead deliveries now, in all. */
    long deadLetters() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            if (!Schemas.installed(c, "webhook_delivery")) {
                return 0;
            }
            try (PreparedStatement ps =
                            c.prepareStatement("SELECT count(*) FROM webhook_delivery WHERE status = 'DEAD'");
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    Map<String, String> endpointUrls() throws SQLException {
        Map<String, String> urls = new HashMap<>();
        try (Connection c = dataSource.getConnection()) {
            if (!Schemas.installed(c, "webhook_endpoint")) {
                return urls;
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT id, url FROM webhook_endpoint");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    urls.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return urls;
    }

    /**
     * An endpoint's health: a score from 0 to 1, a status, and the reasons for it.
     *
     * <p>The score weighs the success rate (scaled from the critical rate, 0, to 1), the p95
     * latency (1 up to the degraded threshold, 0 from the critical one) and the dead letters (1
     * without, 0 from the critical count) as 3:1:1; an open circuit caps it at 0.1.
     */
    record Health(double score, String status, List<String> reasons, Map<String, Object> figures, String circuit) {

        static Health of(Cell t, long dead, String circuit, boolean enabled, HealthThresholds th) {
            List<String> critical = new ArrayList<>();
            List<String> degraded = new ArrayList<>();
            Double rate = t.finished() == 0 ? null : (double) t.delivered / t.finished();
            Integer p95 = Rollup.percentile(t.latency, 0.95);
            double success =
                    rate == null ? 1 : clamp((rate - th.criticalSuccessRate()) / (1 - th.criticalSuccessRate()));
            double latency = p95 == null
                    ? 1
                    : 1
                            - clamp((double) (p95 - th.degradedP95().toMillis())
                                    / Math.max(
                                            1,
                                            th.criticalP95().toMillis()
                                                    - th.degradedP95().toMillis()));
            double deadScore = 1 - clamp((double) dead / th.criticalDead());
            double score = (3 * success + latency + deadScore) / 5;
            if (rate != null && rate < th.criticalSuccessRate()) {
                critical.add(String.format(
                        "success rate %.1f %% under %.1f %%", 100 * rate, 100 * th.criticalSuccessRate()));
            } else if (rate != null && rate < th.degradedSuccessRate()) {
                degraded.add(String.format(
                        "success rate %.1f %% under %.1f %%", 100 * rate, 100 * th.degradedSuccessRate()));
            }
            if (p95 != null && p95 >= th.criticalP95().toMillis()) {
                critical.add("p95 latency " + p95 + " ms at or over "
                        + th.criticalP95().toMillis() + " ms");
            } else if (p95 != null && p95 > th.degradedP95().toMillis()) {
                degraded.add(
                        "p95 latency " + p95 + " ms over " + th.degradedP95().toMillis() + " ms");
            }
            if (dead >= th.criticalDead()) {
                critical.add(dead + " dead letters (critical from " + th.criticalDead() + ")");
            } else if (dead >= th.degradedDead()) {
                degraded.add(dead + " dead letter" + (dead == 1 ? "" : "s"));
            }
            if ("OPEN".equals(circuit)) {
                critical.add("circuit open");
                score = Math.min(score, 0.1);
            } else if ("HALF_OPEN".equals(circuit)) {
                degraded.add("circuit half-open (probing)");
            }
            List<String> reasons = new ArrayList<>(critical);
            reasons.addAll(degraded);
            String status = !critical.isEmpty() ? "critical" : !degraded.isEmpty() ? "degraded" : "healthy";
            if (!enabled) {
                reasons.add(0, "disabled");
            }
            if (t.attempts == 0) {
                reasons.add("no attempts in the window");
            }
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("attempts", t.attempts);
            figures.put("successRate", rate);
            figures.put("p95Ms", p95);
            figures.put("deadLetters", dead);
            return new Health(Math.round(score * 1000) / 1000.0, status, List.copyOf(reasons), figures, circuit);
        }

        private static double clamp(double x) {
            return Math.max(0, Math.min(1, x));
        }

        Map<String, Object> json() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("score", score);
            json.put("status", status);
            json.put("reasons", reasons);
            json.put("circuit", circuit == null ? "UNKNOWN" : circuit);
            json.putAll(figures);
            return json;
        }
    }
}
