package dev.ledgerbox.audit;

import dev.ledgerbox.audit.AuditVerification.Anchor;
import dev.ledgerbox.audit.internal.canonical.Digests;
import java.security.MessageDigest;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
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
 * sealer seals. From a shell: {@code ledgerbox-publisher verify} (exit code 0 intact, 1 broken,
 * 3 database unreachable).
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

    /** A seal being checked, row by row. */
    private static final class Seal {
        final String chain;
        final long seq;
        final String prevHash;
        final String hash;
        /** Its rows' entries, {@link AuditSealer#ENTRY_BYTES} each; null if one was not a hash. */
        final byte[] entries;

        int rows;

        Seal(String chain, long seq, String prevHash, String hash, byte[] entries) {
            this.chain = chain;
            this.seq = seq;
            this.prevHash = prevHash;
            this.hash = hash;
            this.entries = entries;
        }

        int size() {
            return entries.length / AuditSealer.ENTRY_BYTES;
        }

        /** The n-th entry (1-based) as hex, as {@code ledgerbox_audit_row_hash} makes it. */
        String entry(int n) {
            return HexFormat.of().formatHex(entries, (n - 1) * AuditSealer.ENTRY_BYTES, n * AuditSealer.ENTRY_BYTES);
        }

        String where() {
            return "chain '" + chain + "' seal " + seq;
        }
    }

    private static AuditVerification verify(Connection c, Map<String, Anchor> anchors) throws SQLException {
        Map<String, Anchor> heads = new LinkedHashMap<>();
        MessageDigest sha256 = Digests.sha256();
        long checked = 0;
        Seal seal = null;
        long expectedSeq = 0;
        String previousHash = null;
        try (Statement s = c.createStatement()) {
            s.setFetchSize(1000);
            // a seal's entries with its first row only: a seal of 1,000 rows holds 32 kB of them
            try (ResultSet rs = s.executeQuery("SELECT s.chain_key, s.seq, s.prev_hash, s.hash,"
                    + " CASE WHEN u.ord = 1 THEN s.entries END, CASE WHEN u.ord = 1 THEN s.row_hashes END,"
                    + " cardinality(s.audit_ids), u.ord, u.audit_id,"
                    + " a.id IS NOT NULL, ledgerbox_audit_row_hash(a), coalesce(a.tenant_id, '')"
                    + " FROM audit_seal s"
                    + " CROSS JOIN LATERAL unnest(s.audit_ids) WITH ORDINALITY AS u(audit_id, ord)"
                    + " LEFT JOIN audit_log a ON a.id = u.audit_id"
                    + " ORDER BY s.chain_key, s.seq, u.ord")) {
                while (rs.next()) {
                    String key = rs.getString(1);
                    long seq = rs.getLong(2);
                    if (seal == null || !key.equals(seal.chain) || seq != seal.seq) {
                        // a new seal: finish the last one, then check this one's place in its chain
                        if (seal != null) {
                            AuditVerification broken = finish(seal, sha256, checked, heads);
                            if (broken != null) {
                                return broken;
                            }
                            expectedSeq = seal.seq + 1;
                            previousHash = seal.hash;
                        }
                        if (seal == null || !key.equals(seal.chain)) {
                            expectedSeq = 1;
                            previousHash = AuditSealer.GENESIS;
                        }
                        seal = new Seal(
                                key, seq, rs.getString(3), rs.getString(4), entries(rs.getBytes(5), rs.getArray(6)));
                        if (seq != expectedSeq) {
                            return AuditVerification.broken(
                                    checked,
                                    seal.where() + ": expected seal " + expectedSeq + "; seals " + expectedSeq + " to "
                                            + (seq - 1) + " were deleted, with the rows they sealed",
                                    key,
                                    expectedSeq,
                                    null,
                                    heads);
                        }
                        if (!seal.prevHash.equals(previousHash)) {
                            return AuditVerification.broken(
                                    checked,
                                    seal.where()
                                            + ": prev_hash is not the previous seal's hash; seals were altered or"
                                            + " reordered",
                                    key,
                                    seq,
                                    null,
                                    heads);
                        }
                        if (seal.entries == null) {
                            return AuditVerification.broken(
                                    checked,
                                    seal.where() + ": an entry of its row_hashes is not a sha256 hash; the seal was"
                                            + " altered",
                                    key,
                                    seq,
                                    null,
                                    heads);
                        }
                        if (seal.entries.length % AuditSealer.ENTRY_BYTES != 0 || seal.size() != rs.getInt(7)) {
                            return AuditVerification.broken(
                                    checked,
                                    seal.where() + ": its lists of rows and hashes differ in length",
                                    key,
                                    seq,
                                    null,
                                    heads);
                        }
                    }
                    int ord = rs.getInt(8);
                    long auditId = rs.getLong(9);
                    String where = seal.where() + ", audit row " + auditId;
                    if (!rs.getBoolean(10)) {
                        return AuditVerification.broken(
                                checked, where + ": the audit row was deleted", key, seq, auditId, heads);
                    }
                    if (!rs.getString(11).equals(seal.entry(ord))) {
                        return AuditVerification.broken(
                                checked,
                                where + ": the audit row was modified after it was sealed, or moved",
                                key,
                                seq,
                                auditId,
                                heads);
                    }
                    if (!rs.getString(12).equals(key)) {
                        return AuditVerification.broken(
                                checked, where + ": the row's tenant is not its chain's", key, seq, auditId, heads);
                    }
                    seal.rows++;
                    checked++;
                }
            }
        }
        if (seal != null) {
            AuditVerification broken = finish(seal, sha256, checked, heads);
            if (broken != null) {
                return broken;
            }
        }
        long cursorTx;
        long cursorId;
        long sealedCount;
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT tx_id, audit_id, sealed_count FROM audit_seal_progress ORDER BY seq DESC LIMIT 1")) {
            boolean found = rs.next();
            cursorTx = found ? rs.getLong(1) : 0;
            cursorId = found ? rs.getLong(2) : 0;
            sealedCount = found ? rs.getLong(3) : 0;
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
                + " LEFT JOIN (SELECT unnest(audit_ids) AS id FROM audit_seal) s ON s.id = a.id"
                + " WHERE (a.tx_id, a.id) <= (?, ?) AND s.id IS NULL"
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

    /**
     * A seal's entries as bytes: {@code entries} as stored (audit schema 9), or {@code row_hashes},
     * the hex of earlier seals, made bytes; null if one of those is not a hash's hex.
     */
    private static byte[] entries(byte[] entries, Array rowHashes) throws SQLException {
        if (entries != null || rowHashes == null) {
            return entries == null ? new byte[0] : entries;
        }
        String[] hex = (String[]) rowHashes.getArray();
        byte[] bytes = new byte[hex.length * AuditSealer.ENTRY_BYTES];
        for (int i = 0; i < hex.length; i++) {
            if (hex[i] == null || !HEX_HASH.matcher(hex[i]).matches()) {
                return null;
            }
            System.arraycopy(
                    HexFormat.of().parseHex(hex[i]), 0, bytes, i * AuditSealer.ENTRY_BYTES, AuditSealer.ENTRY_BYTES);
        }
        return bytes;
    }

    private static final Pattern HEX_HASH = Pattern.compile("[0-9a-f]{64}");

    /** Checks a seal's own hash once all its rows were checked; records it as its chain's head. */
    private static AuditVerification finish(Seal seal, MessageDigest sha256, long checked, Map<String, Anchor> heads) {
        if (!AuditSealer.sealHash(sha256, seal.prevHash, seal.entries).equals(seal.hash)) {
            return AuditVerification.broken(
                    checked,
                    seal.where() + ": its hash does not match its rows' hashes; the seal was altered",
                    seal.chain,
                    seal.seq,
                    null,
                    heads);
        }
        heads.put(seal.chain, new Anchor(seal.seq, seal.hash));
        return null;
    }
}
