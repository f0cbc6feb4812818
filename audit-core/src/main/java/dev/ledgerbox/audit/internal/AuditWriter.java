package dev.ledgerbox.audit.internal;

import dev.ledgerbox.audit.AuditException;
import dev.ledgerbox.audit.internal.canonical.Digests;
import dev.ledgerbox.audit.internal.canonical.JsonbText;
import dev.ledgerbox.outbox.spi.Timestamps;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Inserts a transaction's audit rows on the session's own connection: one multi-row INSERT per
 * 500 rows, so a typical transaction costs one round trip. Each row carries its content's hash
 * ({@code row_hash}: sha256 of the text {@code ledgerbox_audit_content(row)} makes of the stored
 * values), so that the sealer need not read the row back. Thread-safe (stateless).
 */
final class AuditWriter {

    private static final String COLUMNS = "INSERT INTO audit_log (occurred_at, entity_type, entity_id, operation,"
            + " diff, action, reason, actor_id, actor_name, actor_email, tenant_id, correlation_id, trace_id,"
            + " client_ip, user_agent, outbox_event_id, row_hash) VALUES ";
    private static final String ROW = "(?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?::inet, ?, ?, ?)";
    private static final int CHUNK = 500;

    /** The statements for 1 to 8 rows, the usual sizes, built once. */
    private static final String[] COMMON = new String[9];

    static {
        for (int n = 1; n < COMMON.length; n++) {
            COMMON[n] = buildSql(n);
        }
    }

    private final int maxDiffBytes;

    AuditWriter(int maxDiffBytes) {
        this.maxDiffBytes = maxDiffBytes;
    }

    void insert(Connection connection, List<AuditRow> rows, CapturedContext context, UUID outboxEventId)
            throws SQLException {
        MessageDigest sha256 = Digests.sha256();
        StringBuilder content = new StringBuilder(512);
        StringBuilder text = new StringBuilder(32);
        for (int from = 0; from < rows.size(); from += CHUNK) {
            int to = Math.min(rows.size(), from + CHUNK);
            try (PreparedStatement ps = connection.prepareStatement(sql(to - from))) {
                int p = 1;
                for (int i = from; i < to; i++) {
                    AuditRow row = rows.get(i);
                    String diff = row.json != null ? row.json : diffJson(row);
                    String action = row.action != null ? row.action : context.action();
                    String reason = row.action != null ? row.reason : context.reason();
                    // as text typed by the column: the driver formats a Timestamp through a Calendar
                    text.setLength(0);
                    ps.setObject(
                            p++, Timestamps.appendPostgres(text, row.occurredAt).toString(), Types.OTHER);
                    ps.setString(p++, row.entityType);
                    ps.setString(p++, row.entityId);
                    ps.setString(p++, row.operation);
                    ps.setString(p++, diff);
                    ps.setString(p++, action);
                    ps.setString(p++, reason);
                    ps.setString(p++, context.actorId());
                    ps.setString(p++, context.actorName());
                    ps.setString(p++, context.actorEmail());
                    ps.setString(p++, context.tenantId());
                    ps.setString(p++, context.correlationId());
                    ps.setString(p++, context.traceId());
                    ps.setString(p++, context.clientIp());
                    ps.setString(p++, context.userAgent());
                    ps.setObject(p++, outboxEventId);
                    content.setLength(0);
                    content(content, row, diff, action, reason, context, outboxEventId);
                    sha256.reset();
                    ps.setBytes(p++, sha256.digest(content.toString().getBytes(StandardCharsets.UTF_8)));
                }
                ps.executeUpdate();
            }
        }
    }

    /**
     * The text {@code ledgerbox_audit_content(row)} makes of the stored row (audit schema 5), from
     * the values being inserted: the time as epoch microseconds (the row's time has no finer
     * part), the diff in jsonb's text form (as it is sent), the rest as JSON strings or null.
     */
    private static void content(
            StringBuilder out,
            AuditRow row,
            String diff,
            String action,
            String reason,
            CapturedContext context,
            UUID outboxEventId) {
        Instant at = row.occurredAt;
        out.append('[').append(at.getEpochSecond() * 1_000_000 + at.getNano() / 1_000);
        for (String value : new String[] {row.entityType, row.entityId, row.operation}) {
            out.append(", ");
            JsonbText.stringOrNull(out, value);
        }
        out.append(", ").append(diff);
        for (String value : new String[] {
            action,
            reason,
            context.actorId(),
            context.actorName(),
            context.actorEmail(),
            context.tenantId(),
            context.correlationId(),
            context.traceId(),
            context.userAgent(),
            outboxEventId == null ? null : outboxEventId.toString()
        }) {
            out.append(", ");
            JsonbText.stringOrNull(out, value);
        }
        out.append(']');
    }

    private static String sql(int rows) {
        return rows < COMMON.length ? COMMON[rows] : buildSql(rows);
    }

    private static String buildSql(int rows) {
        StringBuilder sql = new StringBuilder(COLUMNS.length() + rows * (ROW.length() + 2));
        sql.append(COLUMNS);
        for (int i = 0; i < rows; i++) {
            sql.append(i == 0 ? "" : ", ").append(ROW);
        }
        return sql.toString();
    }

    /**
     * Renders the row's diff and checks its size; called by the listener as the diff grows, so
     * that an oversized diff fails the flush that made it.
     */
    void render(AuditRow row) {
        row.json = diffJson(row);
    }

    private String diffJson(AuditRow row) {
        String text = JsonbText.renderedObject(row.diff);
        if ((long) text.length() * 3 <= maxDiffBytes) {
            return text; // UTF-8 takes at most 3 bytes per UTF-16 char: surely under the limit
        }
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxDiffBytes) {
            String largest = row.diff.entrySet().stream()
                    .max((a, b) ->
                            Integer.compare(a.getValue().length(), b.getValue().length()))
                    .map(e -> e.getKey())
                    .orElse("?");
            throw new AuditException("the audit diff of " + row.entityType + " " + row.entityId + " is " + bytes
                    + " bytes, over " + AuditSettings.MAX_DIFF_BYTES + " (" + maxDiffBytes
                    + "); its largest attribute is '" + largest
                    + "'. Mark it @AuditIgnore or @AuditHashed, or raise the limit");
        }
        return text;
    }
}
