package dev.ledgerbox.outbox.it;

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

    public void clear() throws SQLException {
        sql.execute("TRUNCATE it_purchase, outbox_event, outbox_aggregate");
    }

    public List<Map<String, Object>> query(String query, Object... params) throws SQLException {
        return sql.query(query, params);
    }

    public List<Map<String, Object>> events() throws SQLException {
        return query("SELECT type, aggregatetype, aggregateid, payload::text AS payload, aggregate_seq,"
                + " correlation_id FROM outbox_event ORDER BY position");
    }

    public List<Map<String, Object>> purchases() throws SQLException {
        return query("SELECT id, sku, status FROM it_purchase ORDER BY id");
    }
}
