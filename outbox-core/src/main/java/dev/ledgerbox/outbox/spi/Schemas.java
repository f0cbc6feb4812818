package dev.ledgerbox.outbox.spi;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * The Ledgerbox schemas, each applied from its module's migrations with its own history table, and
 * whether one is installed in a database. The one list of them: the {@code migrate} command and the
 * tests' databases apply these. Stateless.
 */
public final class Schemas {

    /** One schema: its name, its Flyway location (in the module that ships it) and history table. */
    public record Schema(String name, String location, String historyTable) {
        Schema(String name) {
            this(name, "classpath:db/ledgerbox/" + name, "ledgerbox_" + name + "_schema_history");
        }
    }

    /** Every schema, in the order they are applied. */
    public static final List<Schema> ALL = List.of(
            new Schema("outbox"),
            new Schema("audit"),
            new Schema("webhook"),
            new Schema("inbox"),
            new Schema("outbound"),
            new Schema("console"));

    private Schemas() {}

    /** The schema of this name. */
    public static Schema named(String name) {
        return ALL.stream()
                .filter(s -> s.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no Ledgerbox schema named " + name));
    }

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
