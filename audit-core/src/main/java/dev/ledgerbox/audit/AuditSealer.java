package dev.ledgerbox.audit;

import dev.ledgerbox.audit.internal.canonical.Digests;
import dev.ledgerbox.audit.internal.canonical.JsonbText;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Appends {@code audit_log} rows to their hash chain ({@code audit_seal}), one chain per tenant,
 * after they commit and outside the business transactions, so that writers never wait for each
 * other on a chain head.
 *
 * <p>Rows are sealed in {@code (tx_id, id)} order, and only those whose transaction id is below
 * the oldest transaction still running ({@code pg_snapshot_xmin}): no row can later appear before
 * a sealed one, so the order is final. Each batch adds to each chain a seal per {@value #SEAL_ROWS}
 * of its rows that lists them ({@code audit_ids}), each row's entry ({@code entries}, 32 bytes a
 * row: {@code ledgerbox_audit_row_hash(row)}, over the hash its writer made of its content, or its
 * whole canonical text when the writer made none) and the seal's hash, {@code sha256(prev_hash ||
 * the entries as hex)}: sealing costs a row per thousand audit rows, not one per audit row. One
 * sealer works at a time (an advisory lock); run it from every instance if you like. A
 * long-running transaction holds sealing back until it ends. Thread-safe.
 */
public final class AuditSealer {

    /** The hash before the first seal of a chain. */
    public static final String GENESIS = "0".repeat(64);

    static final long LOCK_KEY = 0x6c6467627841L; // "ldgbxA"

    /** Most rows one seal lists. */
    static final int SEAL_ROWS = 1000;

    /**
     * Rows per transaction of {@link #sealAll}: a batch sorts its candidates once, so the fewer the
     * batches of a backlog the less of it is read again.
     */
    static final int ALL_BATCH = 20_000;

    private final DataSource dataSource;

    /** Whether this role may summarize the audit log's BRIN ranges (false once refused). */
    private volatile boolean summarize = true;

    public AuditSealer(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Seals up to {@code maxRows} committed rows; returns how many it sealed (0 if another sealer is busy). */
    public int sealBatch(int maxRows) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            // a session lock, taken before the snapshot: the sealer that gets it sees what the
            // previous one committed
            if (!lock(c, "pg_try_advisory_lock")) {
                return 0;
            }
            boolean autoCommit = c.getAutoCommit();
            try {
                c.setAutoCommit(false);
                if (summarize) {
                    summarizeNewRanges(c);
                }
                c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
                int sealed = sealBatch(c, maxRows);
                c.commit();
                return sealed;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
                c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                lock(c, "pg_advisory_unlock");
            }
        }
    }

    /**
     * The BRIN index's ranges filled since autovacuum last summarized the table, summarized now.
     * The batch is found through that index ({@code tx_id} past the sealer's cursor), and a range
     * without a summary matches any condition: with ranges of a few hundred thousand rows left
     * unsummarized between two autovacuums, each batch read them all again (35 µs a row sealed
     * after a million rows, 6 µs once summarized). Summarizing takes a lock that autovacuum also
     * takes: waited for a moment at most, then left for the next batch. A role that may not
     * maintain {@code audit_log} (PostgreSQL 17: {@code GRANT MAINTAIN}) is not asked again; its
     * batches read the unsummarized ranges.
     */
    private void summarizeNewRanges(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET LOCAL lock_timeout = '200ms'");
            s.execute("SELECT brin_summarize_new_values(i.indexrelid) FROM pg_index i"
                    + " JOIN pg_class x ON x.oid = i.indexrelid AND x.relkind = 'i'"
                    + " JOIN pg_am am ON am.oid = x.relam AND am.amname = 'brin'"
                    + " WHERE i.indrelid = 'audit_log'::regclass"
                    + " OR i.indrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'audit_log'::regclass)");
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            if (INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())) {
                summarize = false;
            } else if (!LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
                throw e;
            }
        }
    }

    private static final String INSUFFICIENT_PRIVILEGE = "42501";
    private static final String LOCK_NOT_AVAILABLE = "55P03";

    private static boolean lock(Connection c, String function) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT " + function + "(" + LOCK_KEY + ")")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /**
     * Seals what was committed when it started: batches until one is not full, when every row
     * committed before that batch began is sealed (save rows behind a transaction still running,
     * which wait for it to end). Rows committed meanwhile are left to the next call: chasing them
     * while the application writes sealed a few hundred rows a batch, each batch paying a whole
     * batch's fixed cost. Returns how many it sealed.
     */
    public long sealAll() throws SQLException {
        long total = 0;
        int n;
        do {
            n = sealBatch(ALL_BATCH);
            total += n;
        } while (n == ALL_BATCH);
        return total;
    }

    /**
     * The oldest transaction still running, below which every row is committed or never will be:
     * a subquery, so that it is evaluated once for the query (an initplan) and bounds the BRIN
     * index's scan; as a plain expression it was evaluated again for every row read (a third of
     * the choosing query's time, measured on 20,000 rows).
     */
    private static final String SNAPSHOT_XMIN = "(SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint)";

    /**
     * A batch: chosen by its keys first, then, for the rows whose writer left no hash, the
     * canonical text made, the row reached by its place in the table (rows never move: the table
     * is append-only). Made in the choosing query, a text was made for every candidate before the
     * sort kept a batch of them, and each batch of a backlog paid for all of it.
     */
    private static final String CHOOSE_THEN_MAKE =
            "SELECT b.id, b.tx_id, b.chain, b.client_ip, b.row_hash, CASE WHEN b.row_hash IS NULL THEN"
                    + " (SELECT ledgerbox_audit_canonical(a) FROM audit_log a WHERE a.ctid = b.place) END"
                    + " FROM (SELECT ctid AS place, tx_id, id, coalesce(tenant_id, '') AS chain,"
                    + " host(client_ip) AS client_ip, row_hash FROM audit_log"
                    + " WHERE tx_id >= ? AND (tx_id, id) > (?, ?)"
                    + " AND tx_id < " + SNAPSHOT_XMIN
                    + " ORDER BY tx_id, id LIMIT ?) b"
                    + " ORDER BY b.tx_id, b.id";

    /**
     * A batch of a partitioned {@code audit_log}, where a place names a row only within its
     * partition: chosen and made in one query.
     */
    private static final String CHOOSE_AND_MAKE =
            "SELECT a.id, a.tx_id, coalesce(a.tenant_id, ''), host(a.client_ip), a.row_hash,"
                    + " CASE WHEN a.row_hash IS NULL THEN ledgerbox_audit_canonical(a) END"
                    + " FROM audit_log a"
                    + " WHERE a.tx_id >= ? AND (a.tx_id, a.id) > (?, ?)"
                    + " AND a.tx_id < " + SNAPSHOT_XMIN
                    + " ORDER BY a.tx_id, a.id LIMIT ?";

    private static boolean partitioned(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT relkind = 'p' FROM pg_class WHERE oid = 'audit_log'::regclass")) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    private record Row(long id, long txId, String chain, byte[] entry) {}

    private record Head(long seq, String hash) {}

    private static int sealBatch(Connection c, int maxRows) throws SQLException {
        long cursorTx;
        long cursorId;
        long sealedCount;
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT tx_id, audit_id, sealed_count FROM audit_seal_progress ORDER BY seq DESC LIMIT 1")) {
            boolean found = rs.next(); // none: nothing sealed yet
            cursorTx = found ? rs.getLong(1) : 0;
            cursorId = found ? rs.getLong(2) : 0;
            sealedCount = found ? rs.getLong(3) : 0;
        }
        List<Row> rows = new ArrayList<>();
        MessageDigest sha256 = Digests.sha256();
        try (PreparedStatement ps = c.prepareStatement(partitioned(c) ? CHOOSE_AND_MAKE : CHOOSE_THEN_MAKE)) {
            ps.setLong(1, cursorTx);
            ps.setLong(2, cursorTx);
            ps.setLong(3, cursorId);
            ps.setInt(4, maxRows);
            ps.setFetchSize(1000); // streamed: each row is hashed as it comes, and only its hash kept
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long id = rs.getLong(1);
                    long txId = rs.getLong(2);
                    byte[] rowHash = rs.getBytes(5);
                    byte[] entry = rowHash != null
                            ? entry(sha256, id, txId, rs.getString(4), rowHash)
                            : hash(sha256, rs.getString(6));
                    rows.add(new Row(id, txId, rs.getString(3), entry));
                }
            }
        }
        if (rows.isEmpty()) {
            return 0;
        }
        // per chain, its rows in (tx_id, id) order, a seal for each SEAL_ROWS of them
        Map<String, List<Row>> chains = new LinkedHashMap<>();
        for (Row row : rows) {
            chains.computeIfAbsent(row.chain(), k -> new ArrayList<>()).add(row);
        }
        try (PreparedStatement head = c.prepareStatement(
                        "SELECT seq, hash FROM audit_seal WHERE chain_key = ? ORDER BY seq DESC LIMIT 1");
                PreparedStatement insert = c.prepareStatement("INSERT INTO audit_seal"
                        + " (chain_key, seq, audit_ids, entries, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (Map.Entry<String, List<Row>> chain : chains.entrySet()) {
                Head previous = readHead(head, chain.getKey());
                List<Row> chained = chain.getValue();
                for (int from = 0; from < chained.size(); from += SEAL_ROWS) {
                    List<Row> sealed = chained.subList(from, Math.min(chained.size(), from + SEAL_ROWS));
                    Long[] ids = new Long[sealed.size()];
                    byte[] entries = new byte[ids.length * ENTRY_BYTES];
                    for (int i = 0; i < ids.length; i++) {
                        ids[i] = sealed.get(i).id();
                        System.arraycopy(sealed.get(i).entry(), 0, entries, i * ENTRY_BYTES, ENTRY_BYTES);
                    }
                    Head next = new Head(previous.seq() + 1, sealHash(sha256, previous.hash(), entries));
                    insert.setString(1, chain.getKey());
                    insert.setLong(2, next.seq());
                    insert.setArray(3, c.createArrayOf("bigint", ids));
                    insert.setBytes(4, entries);
                    insert.setString(5, previous.hash());
                    insert.setString(6, next.hash());
                    insert.addBatch();
                    previous = next;
                }
            }
            insert.executeBatch();
        }
        Row last = rows.get(rows.size() - 1);
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO audit_seal_progress (tx_id, audit_id, sealed_count) VALUES (?, ?, ?)")) {
            ps.setLong(1, last.txId());
            ps.setLong(2, last.id());
            ps.setLong(3, sealedCount + rows.size());
            ps.executeUpdate();
        }
        return rows.size();
    }

    private static Head readHead(PreparedStatement head, String chain) throws SQLException {
        head.setString(1, chain);
        try (ResultSet rs = head.executeQuery()) {
            return rs.next() ? new Head(rs.getLong(1), rs.getString(2)) : new Head(0, GENESIS);
        }
    }

    /** The bytes of one row's entry in a seal's {@code entries}: a sha256 hash. */
    static final int ENTRY_BYTES = 32;

    /**
     * The seal's entry for a row its writer hashed (audit schema 5): sha256 of {@code [id, "tx_id",
     * "client_ip" or null, "row_hash"]}; {@code ledgerbox_audit_row_hash(row)} in SQL, as hex.
     */
    static byte[] entry(MessageDigest sha256, long id, long txId, String clientIp, byte[] rowHash) {
        StringBuilder text = new StringBuilder(120).append('[').append(id).append(", \"");
        text.append(txId).append("\", ");
        JsonbText.stringOrNull(text, clientIp);
        text.append(", \"").append(HexFormat.of().formatHex(rowHash)).append("\"]");
        return hash(sha256, text.toString());
    }

    /** The entry of one row written without a hash: sha256 of its canonical text. */
    static byte[] hash(MessageDigest sha256, String canonical) {
        sha256.reset();
        return sha256.digest(canonical.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The hash of a seal: sha256 of the previous seal's hash and its rows' entries as hex, in
     * order, hex; {@code entries} holds them as bytes, {@value #ENTRY_BYTES} each.
     */
    static String sealHash(MessageDigest sha256, String previousHash, byte[] entries) {
        sha256.reset();
        sha256.update(previousHash.getBytes(StandardCharsets.US_ASCII));
        for (int from = 0; from < entries.length; from += ENTRY_BYTES) {
            sha256.update(
                    HexFormat.of().formatHex(entries, from, from + ENTRY_BYTES).getBytes(StandardCharsets.US_ASCII));
        }
        return HexFormat.of().formatHex(sha256.digest());
    }
}
