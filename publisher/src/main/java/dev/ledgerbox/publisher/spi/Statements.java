package dev.ledgerbox.publisher.spi;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.postgresql.PGStatement;

/**
 * Statements on work tables, planned at every execution against the table as it is now: for
 * {@link WorkQueue} implementations, whose tables all change size this way.
 *
 * <p>A work table changes size by orders of magnitude: empty after migration, a truncation or a
 * retention purge, a million rows after a burst. PostgreSQL switches a server-prepared statement to
 * one generic plan after five executions and keeps it until the next {@code ANALYZE}, which
 * autovacuum runs at most once a minute. A generic plan made while the table looked empty joins by
 * sequential scans (a claim then costs backlog × backlog, a minute for 10,000 events). Planned at
 * each execution, the plan uses the table's current size in pages, whatever its statistics say; the
 * price is a parse and plan per statement, a fraction of a millisecond for a batch of hundreds.
 */
public final class Statements {

    private Statements() {}

    /** Prepares {@code sql} so that the database plans it each time it runs. */
    public static PreparedStatement plannedEachTime(Connection c, String sql) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        if (ps.isWrapperFor(PGStatement.class)) {
            ps.unwrap(PGStatement.class).setPrepareThreshold(0);
        }
        return ps;
    }
}
