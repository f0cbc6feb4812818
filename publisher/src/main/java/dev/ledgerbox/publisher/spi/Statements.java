package dev.ledgerbox.publisher.spi;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.postgresql.PGStatement;

/**
 * Statements on work tables, which change size by orders of magnitude: empty after migration, a
 * truncation or a retention purge, a million rows after a burst. For {@link WorkQueue}
 * implementations.
 *
 * <p>PostgreSQL switches a server-prepared statement to one generic plan after five executions and
 * keeps it until the table's next {@code ANALYZE}, which autovacuum runs at most once a minute. A
 * generic plan made while the table looked empty or tiny reaches rows by sequential scans, which
 * then read the whole backlog at every execution (a claim of 64 webhooks took 56 s so, on 30,000
 * due). There are two ways here to stay clear of that:
 *
 * <ul>
 *   <li>{@link #plannedEachTime}: planned at every execution against the table as it is now (its
 *       size in pages, whatever its statistics say). The price is a parse and plan per execution:
 *       a fraction of a millisecond, nothing for a batch of hundreds, but most of what a claim of
 *       one to three rows costs the database.
 *   <li>{@link #planKept}: for statements written to reach every row through an index (the claims:
 *       ordered index scans, look-ups by key, {@code NOT EXISTS (… OFFSET 0)} per candidate; the
 *       webhook outcomes: rows by their ids). The plan is generic from the first execution, made with
 *       sequential scans, sorts, hash and merge joins ruled out (settings local to the statement's
 *       transaction), so joins are nested loops into an index, and kept for the connection; since
 *       it names no scan of a whole table or index, the size the table had when it was made does
 *       not matter. Tests check the plans made on tables analysed when they held three rows (where,
 *       without the settings, a hash join walked the whole primary key) and on emptied ones.
 * </ul>
 */
public final class Statements {

    /**
     * What {@link #planKept} runs before its statement, in the same round trip and transaction.
     * Local to that transaction: gone at its end (the statement's own, outside a transaction);
     * statements after it in the same transaction are planned under it too.
     */
    public static final String KEPT_PLAN_SETTINGS = "SELECT set_config('plan_cache_mode', 'force_generic_plan', true),"
            + " set_config('enable_seqscan', 'off', true), set_config('enable_sort', 'off', true),"
            + " set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)";

    private Statements() {}

    /** Prepares {@code sql} so that the database plans it each time it runs. */
    public static PreparedStatement plannedEachTime(Connection c, String sql) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        if (ps.isWrapperFor(PGStatement.class)) {
            ps.unwrap(PGStatement.class).setPrepareThreshold(0);
        }
        return ps;
    }

    /**
     * Prepares {@code sql}, a statement that reaches every row through an index, so that its
     * plan is made once per connection, generic and index-driven, and kept. Its parameters keep
     * their indexes; run it with {@link #rowsOf}.
     */
    public static PreparedStatement planKept(Connection c, String sql) throws SQLException {
        return c.prepareStatement(KEPT_PLAN_SETTINGS + ";\n" + sql);
    }

    /** Runs a statement of {@link #planKept} that returns no rows, and returns its update count. */
    public static int updateCountOf(PreparedStatement planKept) throws SQLException {
        planKept.execute(); // the settings' row first
        if (planKept.getMoreResults()) {
            throw new SQLException("the statement prepared to keep its plan returned rows");
        }
        return planKept.getUpdateCount();
    }

    /** Runs a statement of {@link #planKept} and returns its rows. */
    public static ResultSet rowsOf(PreparedStatement planKept) throws SQLException {
        planKept.execute(); // the settings' row first
        if (!planKept.getMoreResults()) {
            throw new SQLException("the statement prepared to keep its plan returned no rows");
        }
        return planKept.getResultSet();
    }
}
