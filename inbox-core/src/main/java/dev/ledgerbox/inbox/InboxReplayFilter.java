package dev.ledgerbox.inbox;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Which captured messages a replay runs again: failed and dead ones, and received ones that were
 * never processed (stuck: older than a minute), narrowed by ids, source and a window of receipt.
 * At least one narrowing is required, so that nothing is replayed by accident. Immutable.
 */
public final class InboxReplayFilter {

    private final List<Long> ids;
    private final String source;
    private final Instant from;
    private final Instant to;

    private InboxReplayFilter(List<Long> ids, String source, Instant from, Instant to) {
        this.ids = ids;
        this.source = source;
        this.from = from;
        this.to = to;
    }

    /** The messages with these ids (if failed, dead or stuck). */
    public static InboxReplayFilter ids(List<Long> ids) {
        if (ids == null || ids.isEmpty()) {
            throw new InboxException("a replay by id needs at least one id");
        }
        return new InboxReplayFilter(List.copyOf(ids), null, null, null);
    }

    /** The failed, dead and stuck messages of one source. */
    public static InboxReplayFilter source(String source) {
        if (source == null || source.isBlank()) {
            throw new InboxException("a replay by source needs the source's name");
        }
        return new InboxReplayFilter(null, source, null, null);
    }

    /** Those received in {@code [from, to)}. */
    public InboxReplayFilter receivedBetween(Instant from, Instant to) {
        if (from == null || to == null || !from.isBefore(to)) {
            throw new InboxException("a replay window needs from before to, got " + from + " .. " + to);
        }
        return new InboxReplayFilter(ids, source, from, to);
    }

    String where() {
        StringJoiner where = new StringJoiner(" AND ");
        where.add("(status IN ('FAILED', 'DEAD') OR (status = 'RECEIVED' AND received_at < now() - interval '"
                + STUCK.toSeconds() + " seconds'))");
        if (ids != null) {
            where.add("id = ANY (?)");
        }
        if (source != null) {
            where.add("source = ?");
        }
        if (from != null) {
            where.add("received_at >= ? AND received_at < ?");
        }
        return where.toString();
    }

    List<Object> params() {
        List<Object> params = new ArrayList<>();
        if (ids != null) {
            params.add(ids.toArray(new Long[0]));
        }
        if (source != null) {
            params.add(source);
        }
        if (from != null) {
            params.add(Timestamp.from(from));
            params.add(Timestamp.from(to));
        }
        return params;
    }

    String json() {
        Map<String, Object> filter = new LinkedHashMap<>();
        if (ids != null) {
            filter.put("ids", ids);
        }
        if (source != null) {
            filter.put("source", source);
        }
        if (from != null) {
            filter.put("from", from.toString());
            filter.put("to", to.toString());
        }
        return Json.write(filter);
    }

    /** How long a received message waits before it counts as stuck. */
    static final Duration STUCK = Duration.ofMinutes(1);
}
