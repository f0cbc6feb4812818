package dev.ledgerbox.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ledgerbox.console.Rollup.Cell;
import dev.ledgerbox.outbox.spi.Schemas;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * What happened over a stretch of time, with the console's figures: success rate by event type
 * and endpoint, latency percentiles, throughput per minute and its peak, the distribution of
 * errors and the most frequent ones, dead letters, and the count-parity canary of
 * docs/runbooks.md (section 3) over the same stretch. As text, JSON or CSV. Immutable once made.
 */
public final class Report {

    private static final String CANARY_SINCE = "now() - interval '24 hours'";

    private final Map<String, Object> json;

    private Report(Map<String, Object> json) {
        this.json = json;
    }

    /** The report of the last {@code since}, rolling up what the rollups lack first. */
    public static Report of(DataSource dataSource, Duration since, Clock clock) throws SQLException {
        Rollup rollup = new Rollup(dataSource);
        Instant now = clock.instant();
        rollup.catchUp(now);
        Instant from = now.minus(since);
        List<Cell> cells = rollup.attempts(from.truncatedTo(ChronoUnit.MINUTES), now, false);
        Analytics analytics = new Analytics(dataSource, rollup, null, Map::of, clock);
        Map<String, String> urls = analytics.endpointUrls();

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("since", since.toString());
        json.put("from", from.toString());
        json.put("to", now.toString());
        Map<String, Object> totals = Analytics.figures(Analytics.total(cells));
        totals.put(
                "events",
                rollup.events(from.truncatedTo(ChronoUnit.MINUTES), now).stream()
                        .mapToLong(Rollup.EventCount::events)
                        .sum());
        json.put("totals", totals);

        TreeMap<Instant, long[]> perMinute = new TreeMap<>();
        Map<String, List<Cell>> byType = new TreeMap<>();
        Map<String, List<Cell>> byEndpoint = new TreeMap<>();
        for (Cell c : cells) {
            long[] m = perMinute.computeIfAbsent(c.minute, k -> new long[2]);
            m[0] += c.attempts;
            m[1] += c.delivered;
            byType.computeIfAbsent(c.eventType, k -> new ArrayList<>()).add(c);
            byEndpoint
                    .computeIfAbsent(
                            urls.getOrDefault(c.endpointId.toString(), c.endpointId.toString()), k -> new ArrayList<>())
                    .add(c);
        }
        List<Map<String, Object>> minutes = new ArrayList<>();
        Map<String, Object> peak = null;
        for (Map.Entry<Instant, long[]> e : perMinute.entrySet()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("minute", e.getKey().toString());
            m.put("attempts", e.getValue()[0]);
            m.put("delivered", e.getValue()[1]);
            minutes.add(m);
            if (peak == null || e.getValue()[0] > (long) peak.get("attempts")) {
                peak = m;
            }
        }
        Map<String, Object> throughput = new LinkedHashMap<>();
        throughput.put("peak", peak);
        throughput.put("perMinute", minutes);
        json.put("throughput", throughput);
        json.put("byEventType", rows("eventType", byType));
        json.put("byEndpoint", rows("endpoint", byEndpoint));
        json.put("errors", errors(dataSource, from, now));
        Map<String, Object> dead = new LinkedHashMap<>();
        dead.put("inWindow", deadInWindow(dataSource, from));
        dead.put("now", analytics.deadLetters());
        json.put("deadLetters", dead);
        json.put("canary", canary(dataSource, since));
        return new Report(json);
    }

    private static List<Map<String, Object>> rows(String keyName, Map<String, List<Cell>> groups) {
        List<Map<String, Object>> rows = new ArrayList<>();
        groups.forEach((key, list) -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put(keyName, key);
            row.putAll(Analytics.figures(Analytics.total(list)));
            rows.add(row);
        });
        return rows;
    }

    /** Failed attempts by kind, and the ten most frequent errors. */
    private static Map<String, Object> errors(DataSource dataSource, Instant from, Instant to) throws SQLException {
        Map<String, Object> errors = new LinkedHashMap<>();
        try (Connection c = dataSource.getConnection()) {
            if (!Schemas.installed(c, "webhook_attempt")) {
                return errors;
            }
            String kind = "CASE WHEN response_status >= 500 THEN 'HTTP 5xx' WHEN response_status >= 400 THEN 'HTTP 4xx'"
                    + " WHEN response_status >= 300 THEN 'HTTP 3xx'"
                    + " WHEN error_class ILIKE '%Timeout%' THEN 'timeout'"
                    + " WHEN error_class ILIKE '%Connect%' OR error_class ILIKE '%UnknownHost%' THEN 'connection'"
                    + " WHEN error_class IS NOT NULL THEN 'other error' ELSE 'refused (guard)' END";
            errors.put(
                    "byKind",
                    Rows.query(
                            c,
                            "SELECT " + kind + " AS kind, count(*) AS attempts FROM webhook_attempt"
                                    + " WHERE requested_at >= ? AND requested_at < ? AND outcome IN ('RETRY', 'DEAD', 'GONE')"
                                    + " GROUP BY 1 ORDER BY 2 DESC",
                            from,
                            to));
            errors.put(
                    "top",
                    Rows.query(
                            c,
                            "SELECT coalesce('HTTP ' || response_status, error_class || ': '"
                                    + " || left(error_message, 120), 'refused') AS error, count(*) AS attempts,"
                                    + " count(DISTINCT endpoint_id) AS endpoints, max(requested_at) AS \"lastAt\""
                                    + " FROM webhook_attempt WHERE requested_at >= ? AND requested_at < ?"
                                    + " AND outcome IN ('RETRY', 'DEAD', 'GONE') GROUP BY 1 ORDER BY 2 DESC LIMIT 10",
                            from,
                            to));
        }
        return errors;
    }

    private static long deadInWindow(DataSource dataSource, Instant from) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            if (!Schemas.installed(c, "webhook_delivery")) {
                return 0;
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT count(*) FROM webhook_delivery WHERE status = 'DEAD' AND dead_at >= ?")) {
                ps.setTimestamp(1, Timestamp.from(from));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        }
    }

    /** The count-parity canary of docs/runbooks.md over the same stretch; passed when nothing is missing or stuck. */
    private static Map<String, Object> canary(DataSource dataSource, Duration since) throws SQLException {
        Map<String, Object> canary = new LinkedHashMap<>();
        try (Connection c = dataSource.getConnection()) {
            if (!Schemas.installed(c, "audit_log") || !Schemas.installed(c, "webhook_delivery")) {
                canary.put("skipped", "the canary needs the audit and webhook schemas");
                return canary;
            }
            try (PreparedStatement ps =
                    c.prepareStatement(canarySql().replace(CANARY_SINCE, "now() - ? * interval '1 second'"))) {
                ps.setLong(1, since.toSeconds());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    ResultSetMetaData meta = rs.getMetaData();
                    boolean passed = true;
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        String name = meta.getColumnLabel(i);
                        long value = rs.getLong(i);
                        canary.put(name, value);
                        if ((name.startsWith("missing_") || name.startsWith("stuck_")) && value != 0) {
                            passed = false;
                        }
                    }
                    canary.put("passed", passed);
                }
            }
        }
        return canary;
    }

    /** The canary's SQL, as docs/runbooks.md shows it. */
    static String canarySql() {
        try (InputStream in = Report.class.getResourceAsStream("canary.sql")) {
            String sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!sql.contains(CANARY_SINCE)) {
                throw new IllegalStateException("canary.sql no longer starts its window at " + CANARY_SINCE);
            }
            return sql;
        } catch (IOException e) {
            throw new IllegalStateException("canary.sql is missing from the console's jar", e);
        }
    }

    /** Whether the canary ran and found nothing missing or stuck. */
    public boolean canaryPassed() {
        return Boolean.TRUE.equals(((Map<?, ?>) json.get("canary")).get("passed"));
    }

    public String toJson() {
        try {
            return Rows.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One line per figure: {@code section,key,metric,value}. */
    public String toCsv() {
        StringBuilder csv = new StringBuilder("section,key,metric,value\n");
        flat(csv, "totals", "", (Map<?, ?>) json.get("totals"));
        for (Object m : (List<?>) ((Map<?, ?>) json.get("throughput")).get("perMinute")) {
            Map<?, ?> minute = (Map<?, ?>) m;
            line(csv, "throughput", minute.get("minute"), "attempts", minute.get("attempts"));
            line(csv, "throughput", minute.get("minute"), "delivered", minute.get("delivered"));
        }
        for (String section : List.of("byEventType", "byEndpoint")) {
            for (Object r : (List<?>) json.get(section)) {
                Map<?, ?> row = (Map<?, ?>) r;
                Object key = row.values().iterator().next();
                flat(csv, section, key, row);
            }
        }
        Map<?, ?> errors = (Map<?, ?>) json.get("errors");
        for (Object r : list(errors.get("byKind"))) {
            line(csv, "errorsByKind", ((Map<?, ?>) r).get("kind"), "attempts", ((Map<?, ?>) r).get("attempts"));
        }
        for (Object r : list(errors.get("top"))) {
            line(csv, "topErrors", ((Map<?, ?>) r).get("error"), "attempts", ((Map<?, ?>) r).get("attempts"));
        }
        flat(csv, "deadLetters", "", (Map<?, ?>) json.get("deadLetters"));
        flat(csv, "canary", "", (Map<?, ?>) json.get("canary"));
        return csv.toString();
    }

    private static void flat(StringBuilder csv, String section, Object key, Map<?, ?> values) {
        values.forEach((metric, value) -> {
            if (!(value instanceof Map)
                    && !(value instanceof List)
                    && !metric.equals("eventType")
                    && !metric.equals("endpoint")) {
                line(csv, section, key, metric, value);
            }
        });
    }

    private static void line(StringBuilder csv, Object section, Object key, Object metric, Object value) {
        csv.append(cell(section))
                .append(',')
                .append(cell(key))
                .append(',')
                .append(cell(metric))
                .append(',')
                .append(cell(value))
                .append('\n');
    }

    private static String cell(Object v) {
        String s = v == null ? "" : v.toString();
        if (s.startsWith("=") || s.startsWith("+") || s.startsWith("-") || s.startsWith("@")) {
            s = "'" + s; // a receiver's error text must not become a spreadsheet formula
        }
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    /** For people: aligned tables. */
    public String toText() {
        StringBuilder t = new StringBuilder();
        Map<?, ?> totals = (Map<?, ?>) json.get("totals");
        t.append(String.format(
                Locale.ROOT,
                "Ledgerbox report, %s to %s (%s)%n%n",
                json.get("from"),
                json.get("to"),
                json.get("since")));
        t.append(String.format(
                Locale.ROOT,
                "events %s, attempts %s, delivered %s, retried %s, dead %s, success rate %s%n",
                totals.get("events"),
                totals.get("attempts"),
                totals.get("delivered"),
                totals.get("retried"),
                totals.get("dead"),
                rate(totals.get("successRate"))));
        t.append(String.format(
                Locale.ROOT,
                "latency p50 %s, p95 %s, p99 %s%n",
                ms(totals.get("p50Ms")),
                ms(totals.get("p95Ms")),
                ms(totals.get("p99Ms"))));
        Map<?, ?> peak = (Map<?, ?>) ((Map<?, ?>) json.get("throughput")).get("peak");
        t.append(
                peak == null
                        ? "throughput: no attempts\n"
                        : String.format(
                                Locale.ROOT,
                                "peak minute %s: %s attempts%n",
                                peak.get("minute"),
                                peak.get("attempts")));
        for (String section : List.of("byEventType", "byEndpoint")) {
            t.append(String.format(
                    Locale.ROOT,
                    "%n%-50s %9s %9s %8s %8s %8s %8s%n",
                    section.equals("byEventType") ? "event type" : "endpoint",
                    "attempts",
                    "success",
                    "p50",
                    "p95",
                    "p99",
                    "dead"));
            for (Object r : (List<?>) json.get(section)) {
                Map<?, ?> row = (Map<?, ?>) r;
                t.append(String.format(
                        Locale.ROOT,
                        "%-50s %9s %9s %8s %8s %8s %8s%n",
                        row.values().iterator().next(),
                        row.get("attempts"),
                        rate(row.get("successRate")),
                        ms(row.get("p50Ms")),
                        ms(row.get("p95Ms")),
                        ms(row.get("p99Ms")),
                        row.get("dead")));
            }
        }
        Map<?, ?> errors = (Map<?, ?>) json.get("errors");
        t.append(String.format(Locale.ROOT, "%nfailed attempts by kind%n"));
        for (Object r : list(errors.get("byKind"))) {
            t.append(String.format(
                    Locale.ROOT, "  %-20s %9s%n", ((Map<?, ?>) r).get("kind"), ((Map<?, ?>) r).get("attempts")));
        }
        t.append(String.format(Locale.ROOT, "top errors%n"));
        for (Object r : list(errors.get("top"))) {
            Map<?, ?> row = (Map<?, ?>) r;
            t.append(String.format(
                    Locale.ROOT,
                    "  %9s  %s (%s endpoint(s), last %s)%n",
                    row.get("attempts"),
                    printable(String.valueOf(row.get("error"))),
                    row.get("endpoints"),
                    row.get("lastAt")));
        }
        Map<?, ?> dead = (Map<?, ?>) json.get("deadLetters");
        t.append(String.format(
                Locale.ROOT, "%ndead letters: %s in the window, %s now%n", dead.get("inWindow"), dead.get("now")));
        Map<?, ?> canary = (Map<?, ?>) json.get("canary");
        t.append(String.format(
                Locale.ROOT,
                "%ncount-parity canary: %s%n",
                canary.containsKey("skipped")
                        ? "skipped, " + canary.get("skipped")
                        : Boolean.TRUE.equals(canary.get("passed")) ? "passed" : "FAILED"));
        canary.forEach((k, v) -> {
            if (!k.equals("passed") && !k.equals("skipped")) {
                t.append(String.format(Locale.ROOT, "  %-22s %s%n", k, v));
            }
        });
        return t.toString();
    }

    /** A receiver's text on a terminal: control characters shown, not obeyed. */
    private static String printable(String s) {
        StringBuilder out = new StringBuilder();
        s.codePoints().forEach(cp -> {
            if (Character.isISOControl(cp)) {
                out.append(String.format(Locale.ROOT, "\\u%04x", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.toString();
    }

    private static String rate(Object v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * ((Number) v).doubleValue());
    }

    private static String ms(Object v) {
        return v == null ? "-" : v + "ms";
    }

    private static List<?> list(Object o) {
        return o == null ? List.of() : (List<?>) o;
    }
}
