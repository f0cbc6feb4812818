package dev.ledgerbox.outbox.spi;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Whether a Ledgerbox schema (outbox, audit, webhook) is installed in a database. Stateless. */
public final class Schemas {

    private Schemas() {}

    /** Whether {@code table} exists on the connection's search path. */
    public static boolean installed(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }
}
