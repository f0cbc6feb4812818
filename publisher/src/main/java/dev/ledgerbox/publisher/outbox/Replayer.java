package dev.ledgerbox.publisher.outbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Puts events back to pending in batches of 1,000 (one short transaction each), so a replay of
 * millions of events neither holds long locks nor loads them all. The events keep their ids.
 */
public final class Replayer {

    static final int BATCH = 1000;

    /** Told after each batch. */
    @FunctionalInterface
    public interface Progress {
        void replayed(long done, long total);
    }

    private final DataSource dataSource;

    public Replayer(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public long replay(ReplayFilter filter, Progress progress) throws SQLException {
        List<Object> params = new ArrayList<>();
        String where = where(filter, params);
        long total;
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM outbox_event WHERE " + where)) {
            bind(ps, params, c);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                total = rs.getLong(1);
            }
        }
        long done = 0;
        while (done < total) {
            int n;
            try (Connection c = dataSource.getConnection();
                    PreparedStatement ps = c.prepareStatement("UPDATE outbox_event SET status = 'PENDING',"
                            + " next_attempt_at = now(), attempts = 0, last_error = NULL, claimed_by = NULL,"
                            + " lease_until = NULL, delivered_at = NULL"
                            + " WHERE id IN (SELECT id FROM outbox_event WHERE " + where
                            + " ORDER BY position LIMIT " + BATCH + " FOR UPDATE SKIP LOCKED)")) {
                bind(ps, params, c);
                n = ps.executeUpdate();
            }
            if (n == 0) {
                break; // the rest changed meanwhile (claimed, replayed by someone else)
            }
            done += n;
            progress.replayed(done, total);
        }
        return done;
    }

    private static String where(ReplayFilter f, List<Object> params) {
        List<String> parts = new ArrayList<>();
        parts.add("status = ANY (?)");
        params.add(f.statuses().toArray(new String[0]));
        if (f.ids() != null && !f.ids().isEmpty()) {
            parts.add("id = ANY (?)");
            params.add(f.ids().toArray(new java.util.UUID[0]));
        }
        if (f.type() != null) {
            parts.add("type = ?");
            params.add(f.type());
        }
        if (f.aggregateType() != null) {
            parts.add("aggregatetype = ? AND aggregateid = ?");
            params.add(f.aggregateType());
            params.add(f.aggregateId());
        }
        if (f.from() != null) {
            parts.add("occurred_at >= ?");
            params.add(Timestamp.from(f.from()));
        }
        if (f.to() != null) {
            parts.add("occurred_at < ?");
            params.add(Timestamp.from(f.to()));
        }
        return String.join(" AND ", parts);
    }

    private static void bind(PreparedStatement ps, List<Object> params, Connection c) throws SQLException {
        for (int i = 0; i < params.size(); i++) {
            Object p = params.get(i);
            if (p instanceof String[] strings) {
                ps.setArray(i + 1, c.createArrayOf("varchar", strings));
            } else if (p instanceof java.util.UUID[] uuids) {
                ps.setArray(i + 1, c.createArrayOf("uuid", uuids));
            } else {
                ps.setObject(i + 1, p);
            }
        }
    }
}
