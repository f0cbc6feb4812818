package dev.ledgerbox.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Reads and changes tables straight through JDBC, outside any business code: rows come back as
 * column-label maps with every value as text (null stays null), so tests compare them with
 * plain strings. Also usable inside a container under test.
 */
public final class SqlRows {

    private final DataSource db;

    public SqlRows(DataSource db) {
        this.db = db;
    }

    public List<Map<String, Object>> query(String sql, Object... params) throws SQLException {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                ResultSetMetaData meta = rs.getMetaData();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        Object value = rs.getObject(i);
                        row.put(meta.getColumnLabel(i), value == null ? null : value.toString());
                    }
                    rows.add(row);
                }
            }
            return rows;
        }
    }

    /**
     * The plan PostgreSQL makes for {@code sql} with these parameters ({@code EXPLAIN}, nothing
     * run), one line per node; Java arrays bind as SQL arrays ({@code Long[]} as {@code bigint[]}).
     */
    public String plan(String sql, Object... params) throws SQLException {
        List<String> lines = new ArrayList<>();
        for (Map<String, Object> row : query("EXPLAIN " + sql, params)) {
            lines.add((String) row.get("QUERY PLAN"));
        }
        return String.join("\n", lines);
    }

    /**
     * The plan PostgreSQL keeps for {@code sql} when it is prepared now, after {@code settings} ran
     * in the same transaction, which must make plans generic ({@code plan_cache_mode}): the plan
     * such a statement keeps whatever the tables hold later. Nothing is run ({@code EXPLAIN
     * EXECUTE} with every parameter null); the transaction is rolled back.
     */
    public String keptPlan(String settings, String sql) throws SQLException {
        StringBuilder numbered = new StringBuilder();
        int n = 0;
        for (char ch : sql.toCharArray()) {
            if (ch == '?') {
                numbered.append('$').append(++n);
            } else {
                numbered.append(ch);
            }
        }
        try (Connection c = db.getConnection();
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            try {
                s.execute(settings);
                s.execute("PREPARE ledgerbox_kept_plan AS " + numbered);
                List<String> lines = new ArrayList<>();
                String nulls = String.join(", ", java.util.Collections.nCopies(n, "NULL"));
                try (ResultSet rs =
                        s.executeQuery("EXPLAIN EXECUTE ledgerbox_kept_plan" + (n == 0 ? "" : "(" + nulls + ")"))) {
                    while (rs.next()) {
                        lines.add(rs.getString(1));
                    }
                }
                return String.join("\n", lines);
            } finally {
                c.rollback();
                s.execute("DEALLOCATE ledgerbox_kept_plan");
                c.setAutoCommit(true);
            }
        }
    }

    /**
     * {@code plan} (from {@link #plan} or {@link #keptPlan}), once it is known to reach rows by
     * look-ups only: fails, naming them, when an index scan has no {@code Index Cond}, a walk of the
     * whole index, as costly as a sequential scan on a large table.
     */
    public static String lookUpsOnly(String plan) {
        String[] lines = plan.split("\n");
        List<String> walks = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            boolean scan = lines[i].contains("Index Scan") || lines[i].contains("Index Only Scan");
            if (scan && !(i + 1 < lines.length && lines[i + 1].trim().startsWith("Index Cond:"))) {
                walks.add(lines[i].trim());
            }
        }
        if (!walks.isEmpty()) {
            throw new AssertionError("index scans without a condition " + walks + " in\n" + plan);
        }
        return plan;
    }

    /** Row updates of a table: all of them and the HOT ones ({@code pg_stat_user_tables}). */
    public record Updates(long all, long hot) {}

    /** {@code table}'s updates so far. */
    public Updates updates(String table) throws SQLException {
        Map<String, Object> row = query(
                        "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = ?", table)
                .get(0);
        return new Updates(
                Long.parseLong(String.valueOf(row.get("n_tup_upd"))),
                Long.parseLong(String.valueOf(row.get("n_tup_hot_upd"))));
    }

    /**
     * {@code table}'s updates since {@code before}, once at least {@code expected} are reported: a
     * backend reports its counts when it goes idle, up to a second later.
     */
    public Updates updatesSince(String table, Updates before, long expected) throws SQLException, InterruptedException {
        Await.until(expected + " updates of " + table + " reported", () -> {
            try {
                return updates(table).all() - before.all() >= expected;
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        Updates now = updates(table);
        return new Updates(now.all() - before.all(), now.hot() - before.hot());
    }

    /** The definition of the constraint named {@code name} ({@code pg_get_constraintdef}). */
    public String constraint(String name) throws SQLException {
        List<Map<String, Object>> rows =
                query("SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = ?", name);
        if (rows.size() != 1) {
            throw new IllegalStateException(rows.size() + " constraints named " + name);
        }
        return String.valueOf(rows.get(0).get("def"));
    }

    /** {@code table} analyzed now: the columns {@code ANALYZE} gathered statistics on ({@code pg_stats}). */
    public List<String> analyzedColumns(String table) throws SQLException {
        execute("ANALYZE " + table);
        return query("SELECT attname FROM pg_stats WHERE schemaname = current_schema() AND tablename = ?", table)
                .stream()
                .map(r -> String.valueOf(r.get("attname")))
                .toList();
    }

    public void execute(String sql) throws SQLException {
        try (Connection c = db.getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
