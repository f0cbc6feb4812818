package dev.ledgerbox.audit.it;

import dev.ledgerbox.testing.SqlRows;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/** Reads the tables straight from the database, outside any business code. */
public final class Rows {

    private final SqlRows sql;

    public Rows(DataSource db) {
        this.sql = new SqlRows(db);
    }

    /** Empties the tables; the audit log only with its append-only triggers off, as its owner. */
    public void clear() throws SQLException {
        sql.execute("TRUNCATE it_account, outbox_event, outbox_aggregate;"
                + " ALTER TABLE audit_log DISABLE TRIGGER USER; TRUNCATE audit_log;"
                + " ALTER TABLE audit_log ENABLE TRIGGER USER");
    }

    public List<Map<String, Object>> query(String query, Object... params) throws SQLException {
        return sql.query(query, params);
    }

    public List<Map<String, Object>> audit() throws SQLException {
        return query("SELECT id, operation, entity_type, entity_id, diff::text AS diff, action, reason, actor_id,"
                + " actor_name, tenant_id, correlation_id, tx_id::text AS tx_id, host(client_ip) AS client_ip,"
                + " user_agent, outbox_event_id::text AS outbox_event_id,"
                // the writer's hash of the row is the one the database makes of what it stored
                + " row_hash = sha256(convert_to(ledgerbox_audit_content(a), 'UTF8')) AS hash_matches"
                + " FROM audit_log a ORDER BY id");
    }

    public List<Map<String, Object>> events() throws SQLException {
        return query("SELECT id::text AS id, type, aggregateid, correlation_id, tx_id::text AS tx_id"
                + " FROM outbox_event ORDER BY position");
    }
}
