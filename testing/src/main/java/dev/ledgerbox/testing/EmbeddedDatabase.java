package dev.ledgerbox.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * A real PostgreSQL server running in-process for tests and benchmarks, with Ledgerbox's schema
 * applied by Flyway.
 *
 * <p>Thread-safe once started. {@link #shared()} gives one server per JVM, started on first use
 * and stopped when the JVM exits.
 */
public final class EmbeddedDatabase implements AutoCloseable {

    /** System property that fixes the port of the shared server (used when another process, such
     * as a Liberty server under test, must find it). */
    public static final String PORT_PROPERTY = "ledgerbox.test.db.port";

    /** The Flyway locations of Ledgerbox's modules, each with its own history table. */
    /**
     * The schemas of outbox-core's {@code Schemas.ALL} (this module comes before it in the build), located
     * by the same rule; a module's schema applies nothing without that module on the class path.
     */
    public enum Schema {
        OUTBOX("outbox"),
        /** Needs ledgerbox-audit-core. */
        AUDIT("audit"),
        /** Needs ledgerbox-publisher. */
        WEBHOOK("webhook"),
        /** Needs ledgerbox-inbox-core. */
        INBOX("inbox"),
        /** Needs ledgerbox-outbound-core. */
        OUTBOUND("outbound");

        final String location;
        final String historyTable;

        Schema(String name) {
            this.location = "classpath:db/ledgerbox/" + name;
            this.historyTable = "ledgerbox_" + name + "_schema_history";
        }
    }

    private static EmbeddedDatabase shared;

    private final EmbeddedPostgres postgres;

    private EmbeddedDatabase(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /**
     * Starts a server.
     *
     * @param durable {@code true} for production settings ({@code fsync} and {@code
     *     synchronous_commit} on), {@code false} for the fast test settings
     * @param port the port, or 0 for any free one
     */
    public static EmbeddedDatabase start(boolean durable, int port) {
        return start(durable, port, null);
    }

    /**
     * Starts a server on the given data directory, kept when the server stops, so that a test can
     * stop and start "the same" database; a new temporary directory when null.
     */
    public static EmbeddedDatabase start(boolean durable, int port, java.io.File dataDirectory) {
        return start(durable, port, dataDirectory, true);
    }

    /**
     * Starts a server that the caller stops itself, in its own shutdown order: no hook of its own
     * stops it when the JVM exits (one would race the caller's, stopping the database under the
     * programs still using it).
     */
    public static EmbeddedDatabase startStoppedByCaller(boolean durable, int port, java.io.File dataDirectory) {
        return start(durable, port, dataDirectory, false);
    }

    private static EmbeddedDatabase start(boolean durable, int port, java.io.File dataDirectory, boolean hook) {
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setRegisterShutdownHook(hook)
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("fsync", durable ? "on" : "off")
                    .setServerConfig("synchronous_commit", durable ? "on" : "off")
                    .setServerConfig("full_page_writes", durable ? "on" : "off");
            if (port > 0) {
                builder.setPort(port);
            }
            if (dataDirectory != null) {
                builder.setDataDirectory(dataDirectory).setCleanDataDirectory(false);
            }
            return new EmbeddedDatabase(builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("could not start embedded PostgreSQL", e);
        }
    }

    /** The server shared by every test of this JVM, with the whole schema applied. */
    public static synchronized EmbeddedDatabase shared() {
        if (shared == null) {
            EmbeddedDatabase db = start(false, Integer.getInteger(PORT_PROPERTY, 0));
            db.migrate(Schema.values());
            Runtime.getRuntime().addShutdownHook(new Thread(db::close, "embedded-postgres-stop"));
            shared = db;
        }
        return shared;
    }

    /** Applies the given schemas' migrations. */
    public EmbeddedDatabase migrate(Schema... schemas) {
        migrate(dataSource(), schemas);
        return this;
    }

    /** Applies the given schemas' migrations to any database. */
    public static void migrate(DataSource dataSource, Schema... schemas) {
        for (Schema schema : schemas) {
            migrate(dataSource, schema.location, schema.historyTable);
        }
    }

    /** Applies the migrations at a Flyway location, with their own history table. */
    public static void migrate(DataSource dataSource, String location, String historyTable) {
        Flyway.configure()
                .dataSource(dataSource)
                .locations(location)
                .table(historyTable)
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate();
    }

    public DataSource dataSource() {
        return postgres.getPostgresDatabase();
    }

    public int port() {
        return postgres.getPort();
    }

    public String jdbcUrl() {
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    public String user() {
        return "postgres";
    }

    public String password() {
        return "postgres";
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("could not stop embedded PostgreSQL", e);
        }
    }
}
