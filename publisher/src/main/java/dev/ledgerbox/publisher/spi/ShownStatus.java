package dev.ledgerbox.publisher.spi;

/**
 * The status of an outbox event or a webhook delivery as operators read it. A claim writes only
 * columns that no index names ({@code claimed_by}, {@code lease_until}, {@code attempts}), so that
 * it can be a HOT update: the stored status stays {@code PENDING} or {@code FAILED} while the row is
 * held. Reports, filters and the console show a held row as {@code CLAIMED}; rows that a claim of an
 * earlier version marked {@code CLAIMED} read the same. Stateless.
 */
public final class ShownStatus {

    private ShownStatus() {}

    /** The SQL expression of the shown status of the table or alias {@code alias} ("" for none). */
    public static String of(String alias) {
        String p = alias.isEmpty() ? "" : alias + ".";
        return "(CASE WHEN " + p + "claimed_by IS NOT NULL AND " + p + "status IN ('PENDING', 'FAILED')"
                + " THEN 'CLAIMED' ELSE " + p + "status END)";
    }
}
