package dev.ledgerbox.audit;

import dev.ledgerbox.audit.AuditVerification.Anchor;
import java.io.PrintStream;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Checks the audit log against its hash chain and reports the first broken link:
 *
 * <ul>
 *   <li>a modified row (its content no longer gives its seal's hash),
 *   <li>a deleted row (a seal points to nothing),
 *   <li>deleted or reordered seals (a gap in a chain's sequence, a {@code prev_hash} that is not
 *       the previous seal's hash, fewer seals than the sealer wrote),
 *   <li>a row inserted into the sealed past (below the sealer's watermark, without a seal),
 *   <li>a rewritten tail, when anchors kept outside the database are given.
 * </ul>
 *
 * Reads in one REPEATABLE READ transaction, so it can run while the application writes and the
 * sealer seals. Also a command: {@code java dev.ledgerbox.audit.AuditVerifier <jdbc-url> <user>}
 * with the password in {@code LEDGERBOX_DB_PASSWORD}; exit code 0 intact, 1 broken, 2 error.
 */
public final class AuditVerifier {

    private final DataSource dataSource;

    public AuditVerifier(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public AuditVerification verify() throws SQLException {
        return verify(Map.of());
    }

    /** Verifies, also checking that each anchored seal still exists with the anchored hash. */
    public AuditVerification verify(Map<String, Anchor> anchors) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            try {
                return verify(c, anchors);
            } finally {
                c.rollback();
                c.setReadOnly(false);
                c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                c.setAutoCommit(autoCommit);
            }
        }
    }

    private static AuditVerification verify(Connection c, Map<String, Anchor> anchors) throws SQLException {
        Map<String, Anchor> heads = new LinkedHashMap<>();
        MessageDigest sha256 = AuditSealer.sha256();
        long checked = 0;
        String chain = null;
        long expectedSeq = 0;
        String previousHash = null;
        try (Statement s = c.createStatement()) {
            s.setFetchSize(1000);
            try (ResultSet rs = s.executeQuery("SELECT s.chain_key, s.seq, s.audit_id, s.prev_hash, s.hash,"
                    + " a.id IS NOT NULL, ledgerbox_audit_canonical(a), coalesce(a.tenant_id, '')"
                    + " FROM audit_seal s LEFT JOIN audit_log a ON a.id = s.audit_id"
                    + " ORDER BY s.chain_key, s.seq")) {
                while (rs.next()) {
                    String key = rs.getString(1);
                    long seq = rs.getLong(2);
                    long auditId = rs.getLong(3);
                    String prev = rs.getString(4);
                    String hash = rs.getString(5);
                    if (!key.equals(chain)) {
                        chain = key;
                        expectedSeq = 1;
                        previousHash = AuditSealer.GENESIS;
                    }
                    String where = "chain '" + key + "' seal " + seq + " (audit row " + auditId + ")";
                    if (seq != expectedSeq) {
                        return AuditVerification.broken(
                                checked,
                                where + ": expected seal " + expectedSeq
                                        + "; seals " + expectedSeq + " to " + (seq - 1)
                                        + " were deleted, with the rows they sealed",
                                key,
                                expectedSeq,
                                null,
                                heads);
                    }
                    if (!prev.equals(previousHash)) {
                        return AuditVerification.broken(
                                checked,
                                where + ": prev_hash is not the previous seal's hash; seals were altered or reordered",
                                key,
                                seq,
                                auditId,
                                heads);
                    }
                    if (!rs.getBoolean(6)) {
                        return AuditVerification.broken(
                                checked, where + ": the audit row was deleted", key, seq, auditId, heads);
                    }
                    if (!AuditSealer.chainHash(sha256, prev, rs.getString(7)).equals(hash)) {
                        return AuditVerification.broken(
                                checked,
                                where + ": the audit row was modified after it was sealed (or the seal's hash was)",
                                key,
                                seq,
                                auditId,
                                heads);
                    }
                    if (!rs.getString(8).equals(key)) {
                        return AuditVerification.broken(
                                checked, where + ": the row's tenant is not its chain's", key, seq, auditId, heads);
                    }
                    checked++;
                    expectedSeq = seq + 1;
                    previousHash = hash;
                    heads.put(key, new Anchor(seq, hash));
                }
            }
        }
        long cursorTx;
        long cursorId;
        long sealedCount;
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT tx_id, audit_id, sealed_count FROM audit_seal_state")) {
            if (!rs.next()) {
                return AuditVerification.broken(checked, "audit_seal_state is empty", null, null, null, heads);
            }
            cursorTx = rs.getLong(1);
            cursorId = rs.getLong(2);
            sealedCount = rs.getLong(3);
        }
        if (sealedCount != checked) {
            return AuditVerification.broken(
                    checked,
                    "the sealer wrote " + sealedCount + " seals but " + checked
                            + " remain: the newest rows and their seals were deleted",
                    null,
                    null,
                    null,
                    heads);
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT a.id FROM audit_log a"
                + " WHERE (a.tx_id, a.id) <= (?, ?)"
                + " AND NOT EXISTS (SELECT 1 FROM audit_seal s WHERE s.audit_id = a.id)"
                + " ORDER BY a.tx_id, a.id LIMIT 1")) {
            ps.setLong(1, cursorTx);
            ps.setLong(2, cursorId);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    long id = rs.getLong(1);
                    return AuditVerification.broken(
                            checked,
                            "audit row " + id + " lies in the sealed past but has no seal: it was inserted afterwards",
                            null,
                            null,
                            id,
                            heads);
                }
            }
        }
        for (Map.Entry<String, Anchor> anchor : anchors.entrySet()) {
            Anchor expected = anchor.getValue();
            Anchor head = heads.get(anchor.getKey());
            boolean present = false;
            if (head != null && head.seq() >= expected.seq()) {
                try (PreparedStatement ps =
                        c.prepareStatement("SELECT hash FROM audit_seal WHERE chain_key = ? AND seq = ?")) {
                    ps.setString(1, anchor.getKey());
                    ps.setLong(2, expected.seq());
                    try (ResultSet rs = ps.executeQuery()) {
                        present = rs.next() && rs.getString(1).equals(expected.hash());
                    }
                }
            }
            if (!present) {
                return AuditVerification.broken(
                        checked,
                        "chain '" + anchor.getKey() + "' no longer holds the anchored"
                                + " seal " + expected.seq() + " with hash " + expected.hash()
                                + ": the chain was cut or rewritten",
                        anchor.getKey(),
                        expected.seq(),
                        null,
                        heads);
            }
        }
        return new AuditVerification(true, checked, null, null, null, null, Map.copyOf(heads));
    }

    /** Verifies the database named on the command line; see the class comment. */
    public static void main(String[] args) {
        System.exit(run(args, System.getenv("LEDGERBOX_DB_PASSWORD"), System.out, System.err));
    }

    /** The command: prints the outcome and the chain heads; returns the exit code. */
    static int run(String[] args, String password, PrintStream out, PrintStream err) {
        if (args.length == 1 && args[0].equals("--help")) {
            out.println(USAGE);
            return 0;
        }
        if (args.length != 2) {
            err.println(USAGE);
            return 2;
        }
        try {
            AuditVerification result =
                    new AuditVerifier(new DriverManagerDataSource(args[0], args[1], password)).verify();
            out.println(result);
            result.heads()
                    .forEach((chain, head) ->
                            out.println("  head of chain '" + chain + "': seal " + head.seq() + " " + head.hash()));
            return result.intact() ? 0 : 1;
        } catch (SQLException e) {
            err.println("could not verify the audit log: " + e.getMessage());
            return 2;
        }
    }

    private static final String USAGE = "usage: AuditVerifier <jdbc-url> <user>\n"
            + "  password from the environment variable LEDGERBOX_DB_PASSWORD\n"
            + "  exit code 0: intact, 1: broken (the first broken link is printed), 2: could not verify";

    /** Just enough of a DataSource for the command line. */
    private record DriverManagerDataSource(String url, String user, String password) implements DataSource {
        @Override
        public String toString() {
            return "DriverManagerDataSource[" + url + ", user " + user + "]"; // never the password
        }

        @Override
        public Connection getConnection() throws SQLException {
            return DriverManager.getConnection(url, user, password);
        }

        @Override
        public Connection getConnection(String u, String p) throws SQLException {
            return DriverManager.getConnection(url, u, p);
        }

        @Override
        public java.io.PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(java.io.PrintWriter out) {}

        @Override
        public void setLoginTimeout(int seconds) {}

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public java.util.logging.Logger getParentLogger() {
            return java.util.logging.Logger.getGlobal();
        }

        @Override
        public <T> T unwrap(Class<T> type) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> type) {
            return false;
        }
    }
}
