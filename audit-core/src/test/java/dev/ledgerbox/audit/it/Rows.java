package dev.ledgerbox.audit.it;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/** Reads the tables straight from the database, outside any business code. */
public final class Rows {

    private final DataSource db;

    public Rows(DataSource db) {
        this.db = db;
    }

    /** Empties the tables; the audit log only with its append-only triggers off, as its owner. */
    public void clear() throws SQLException {
        try (Connection c = db.getConnection();
                Statement s = c.createStatement()) {
            s.execute("TRUNCATE it_account, outbox_event, outbox_aggregate;"
                    + " ALTER TABLE audit_log DISABLE TRIGGER USER; TRUNCATE audit_log;"
                    + " ALTER TABLE audit_log ENABLE TRIGGER USER");
        }
    }

    public List<Map<String, Object>> audit() throws SQLException {
        return query("SELECT id, operation, entity_type, entity_id, diff::text AS diff, action, reason, actor_id,"
                + " actor_name, tenant_id, correlation_id, tx_id::text AS tx_id, host(client_ip) AS client_ip,"
                + " user_agent, outbox_event_id::text AS outbox_event_id FROM audit_log ORDER BY id");
    }

    public List<Map<String, Object>> events() throws SQLException {
        return query("SELECT id::text AS id, type, aggregateid, correlation_id, tx_id::text AS tx_id"
                + " FROM outbox_event ORDER BY position");
    }

    public List<Map<String, Object>> query(String sql, Object... params) throws SQLException {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                ResultSetMetaData meta = rs.getMetaData();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        Object value = rs.getObject(i);
                        row.put(meta.getColumnLabel(i), value == null ? null : value.toString());
                    }
                    rows.add(row);
                }
            }
            return rows;
        }
    }
}
