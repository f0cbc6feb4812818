package dev.ledgerbox.benchmarks;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import javax.sql.DataSource;

/**
 * What a phase of a benchmark cost, per unit of work: CPU of this JVM and of PostgreSQL ({@link
 * Cpu}), and the write-ahead log PostgreSQL wrote ({@code pg_stat_wal}: records, full-page images,
 * bytes), the transactions committed in the database ({@code pg_stat_database}, every
 * session's, read-only ones included), and the background work that ran meanwhile: checkpoints
 * ({@code pg_stat_checkpointer}) and autovacuum's vacuums and analyses of the database's tables
 * ({@code pg_stat_all_tables}), whose CPU counts in PostgreSQL's. Taken with {@link #now} before
 * the phase and {@link #since} after it. With {@code pg_stat_statements} loaded ({@link
 * #STATEMENTS_CONFIG}), {@link #printStatements} shows which statements the time and the WAL went
 * to.
 */
public record DatabaseCost(
        long jvmNanos,
        long jitNanos,
        long postgresNanos,
        long walRecords,
        long walFpi,
        long walBytes,
        long commits,
        long checkpoints,
        long autovacuums) {

    /** Server settings that load {@code pg_stat_statements} and time WAL writes. */
    public static final java.util.Map<String, String> STATEMENTS_CONFIG = java.util.Map.of(
            "shared_preload_libraries", "pg_stat_statements",
            "pg_stat_statements.track", "all",
            "pg_stat_statements.track_planning", "on",
            "track_wal_io_timing", "on");

    /**
     * A snapshot. The CPU times are read at once; the WAL a second later: sessions report their
     * {@code pg_stat_wal} counts when idle, at most once a second, so an earlier read would leave
     * the last second's records to the next phase. The bytes come from the WAL position, which is
     * exact at any moment.
     */
    public static DatabaseCost now(DataSource db) throws SQLException {
        long jvm = Cpu.jvmNanos();
        long jit = Cpu.collectorAndCompilerNanos()[1];
        long postgres = Cpu.postgresNanos();
        try {
            Thread.sleep(1_100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Connection c = db.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT wal_records, wal_fpi,"
                        + " pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint,"
                        + " (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()),"
                        + " (SELECT num_timed + num_requested FROM pg_stat_checkpointer),"
                        + " (SELECT coalesce(sum(autovacuum_count + autoanalyze_count), 0)::bigint FROM pg_stat_all_tables)"
                        + " FROM pg_stat_wal")) {
            rs.next();
            return new DatabaseCost(
                    jvm,
                    jit,
                    postgres,
                    rs.getLong(1),
                    rs.getLong(2),
                    rs.getLong(3),
                    rs.getLong(4),
                    rs.getLong(5),
                    rs.getLong(6));
        }
    }

    /** The cost since {@code before}. */
    public DatabaseCost since(DatabaseCost before) {
        return new DatabaseCost(
                jvmNanos - before.jvmNanos,
                jitNanos - before.jitNanos,
                postgresNanos - before.postgresNanos,
                walRecords - before.walRecords,
                walFpi - before.walFpi,
                walBytes - before.walBytes,
                commits - before.commits,
                checkpoints - before.checkpoints,
                autovacuums - before.autovacuums);
    }

    /** Prints, after {@code label}, what was spent since this snapshot per unit ({@link #perUnit}). */
    public void printSince(DataSource db, String label, long units, String unit) throws SQLException {
        System.out.println("  " + label + now(db).since(this).perUnit(units, unit));
    }

    /**
     * One line: per unit, CPU µs of the JVM (of which its JIT compiler threads: a JVM still warming
     * up) and of PostgreSQL, WAL records, full-page images, bytes, commits; then, in all, the
     * checkpoints and autovacuum runs that took some of PostgreSQL's CPU.
     */
    public String perUnit(long units, String unit) {
        return String.format(
                Locale.ROOT,
                "per %s: JVM %.1f µs CPU (JIT %.1f), PostgreSQL %.1f µs CPU, WAL %.2f records, %.3f full-page images,"
                        + " %.0f bytes, %.3f commits; meanwhile %d checkpoints, %d autovacuum runs",
                unit,
                jvmNanos / 1e3 / units,
                jitNanos / 1e3 / units,
                postgresNanos / 1e3 / units,
                (double) walRecords / units,
                (double) walFpi / units,
                (double) walBytes / units,
                (double) commits / units,
                checkpoints,
                autovacuums);
    }

    /** Empties {@code pg_stat_statements}, creating the extension first. */
    public static void resetStatements(DataSource db) throws SQLException {
        try (Connection c = db.getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            s.execute("SELECT pg_stat_statements_reset()");
        }
    }

    /** The {@code top} statements by execution and planning time since the reset, with their rows and WAL. */
    public static void printStatements(DataSource db, int top) throws SQLException {
        try (Connection c = db.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT calls, round(total_exec_time)::bigint AS ms,"
                        + " round(total_plan_time)::bigint AS plan_ms, rows, wal_fpi, wal_bytes::bigint,"
                        + " regexp_replace(left(query, 110), '\\s+', ' ', 'g') AS query"
                        + " FROM pg_stat_statements ORDER BY total_exec_time + total_plan_time DESC LIMIT " + top)) {
            System.out.println("    calls |  exec ms | plan ms |    rows | WAL FPI |  WAL MB | statement");
            while (rs.next()) {
                System.out.printf(
                        Locale.ROOT,
                        "  %7d | %8d | %7d | %7d | %7d | %7.1f | %s%n",
                        rs.getLong("calls"),
                        rs.getLong("ms"),
                        rs.getLong("plan_ms"),
                        rs.getLong("rows"),
                        rs.getLong("wal_fpi"),
                        rs.getLong("wal_bytes") / 1e6,
                        rs.getString("query"));
            }
        }
    }
}
