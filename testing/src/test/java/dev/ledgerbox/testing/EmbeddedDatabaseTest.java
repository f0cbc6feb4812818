package dev.ledgerbox.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The benchmarks run each phase durable and not on one server. The durability settings are on the
 * server's command line, which {@code ALTER SYSTEM} does not override: a switch that way left every
 * "non-durable" phase durable. {@link EmbeddedDatabase#restart} switches them, keeping the data.
 */
class EmbeddedDatabaseTest {

    @Test
    void aSwitchBySystemSettingsLeavesTheServerAsItWasStarted() throws Exception {
        try (EmbeddedDatabase db = EmbeddedDatabase.startWith(true, 0, Map.of())) {
            try (Connection c = db.dataSource().getConnection();
                    Statement s = c.createStatement()) {
                s.execute("ALTER SYSTEM SET synchronous_commit = off");
                s.execute("ALTER SYSTEM SET fsync = off");
                s.execute("SELECT pg_reload_conf()");
            }
            Thread.sleep(200);
            assertThat(setting(db, "synchronous_commit")).isEqualTo("on");
            assertThat(setting(db, "fsync")).isEqualTo("on");
        }
    }

    @Test
    void aRestartSwitchesDurabilityAndKeepsTheData() throws Exception {
        java.io.File directory;
        try (EmbeddedDatabase db = EmbeddedDatabase.startWith(true, 0, Map.of())) {
            int port = db.port();
            try (Connection c = db.dataSource().getConnection();
                    Statement s = c.createStatement()) {
                s.execute("CREATE TABLE kept (n int)");
                s.execute("INSERT INTO kept VALUES (42)");
            }

            db.restart(false);
            assertThat(db.durable()).isFalse();
            assertThat(db.port()).isEqualTo(port);
            for (String name : new String[] {"fsync", "synchronous_commit", "full_page_writes"}) {
                assertThat(setting(db, name)).as(name).isEqualTo("off");
            }
            assertThat(value(db, "SELECT n FROM kept")).isEqualTo("42");

            db.restart(true);
            for (String name : new String[] {"fsync", "synchronous_commit", "full_page_writes"}) {
                assertThat(setting(db, name)).as(name).isEqualTo("on");
            }
            assertThat(value(db, "SELECT n FROM kept")).isEqualTo("42");
            directory = new java.io.File(value(db, "SHOW data_directory"));
            assertThat(directory).exists();
        }
        assertThat(directory)
                .as("a data directory made for the server goes with it")
                .doesNotExist();
    }

    private static String setting(EmbeddedDatabase db, String name) throws Exception {
        return value(db, "SHOW " + name);
    }

    private static String value(EmbeddedDatabase db, String sql) throws Exception {
        try (Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
