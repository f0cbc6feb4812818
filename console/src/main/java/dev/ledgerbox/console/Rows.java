package dev.ledgerbox.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ledgerbox.publisher.spi.Statements;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.postgresql.util.PGobject;

/**
 * Runs a query and gives its rows as JSON-ready maps keyed by column label: timestamps as
 * ISO-8601 text, UUIDs as text, {@code jsonb} as JSON, arrays as lists. Statements are planned at
 * each execution (their optional filters would otherwise get one generic plan). Stateless.
 */
final class Rows {

    static final ObjectMapper JSON = new ObjectMapper();

    private Rows() {}

    static List<Map<String, Object>> query(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = Statements.plannedEachTime(c, sql)) {
            for (int i = 0; i < params.length; i++) {
                Object p = params[i];
                if (p instanceof java.time.Instant at) {
                    ps.setTimestamp(i + 1, Timestamp.from(at));
                } else if (p instanceof List<?> list) {
                    ps.setArray(
                            i + 1,
                            c.createArrayOf(
                                    list.isEmpty() || list.get(0) instanceof Long ? "bigint" : "text", list.toArray()));
                } else {
                    ps.setObject(i + 1, p);
                }
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                ResultSetMetaData meta = rs.getMetaData();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        row.put(meta.getColumnLabel(i), value(rs.getObject(i)));
                    }
                    rows.add(row);
                }
            }
            return rows;
        }
    }

    private static Object value(Object v) throws SQLException {
        if (v instanceof Timestamp t) {
            return t.toInstant().toString();
        }
        if (v instanceof UUID u) {
            return u.toString();
        }
        if (v instanceof PGobject o && o.getValue() != null && o.getType().startsWith("json")) {
            try {
                return JSON.readTree(o.getValue());
            } catch (JsonProcessingException e) {
                return o.getValue();
            }
        }
        if (v instanceof PGobject o) {
            return o.getValue();
        }
        if (v instanceof Array a) {
            return Arrays.asList((Object[]) a.getArray());
        }
        return v;
    }
}
