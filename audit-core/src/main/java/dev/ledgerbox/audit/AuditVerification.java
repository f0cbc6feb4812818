package dev.ledgerbox.audit;

import java.util.Map;

/**
 * The outcome of {@link AuditVerifier#verify}: intact, or the first broken link found.
 *
 * @param intact whether every check passed
 * @param rowsChecked how many sealed rows were checked against their hashes
 * @param problem what is wrong, in words, or null when intact
 * @param chain the chain (tenant id, '' for none) where the problem is, or null
 * @param seq the seal sequence number where the problem is, or null
 * @param auditId the audit row where the problem is, or null
 * @param heads the last seal of every chain: keep them elsewhere (a ticket, a log, another
 *     database) and pass them back later as anchors to detect a rewritten tail
 */
public record AuditVerification(
        boolean intact,
        long rowsChecked,
        String problem,
        String chain,
        Long seq,
        Long auditId,
        Map<String, Anchor> heads) {

    /** A seal whose hash is known from outside the database. */
    public record Anchor(long seq, String hash) {}

    static AuditVerification broken(
            long checked, String problem, String chain, Long seq, Long auditId, Map<String, Anchor> heads) {
        return new AuditVerification(false, checked, problem, chain, seq, auditId, Map.copyOf(heads));
    }

    @Override
    public String toString() {
        return intact
                ? "audit log intact: " + rowsChecked + " sealed rows verified in " + heads.size() + " chain(s)"
                : "audit log BROKEN: " + problem;
    }
}
