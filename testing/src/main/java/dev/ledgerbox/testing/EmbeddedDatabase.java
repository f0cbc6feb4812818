package dev.ledgerbox.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

    /**
     * The class that lists the Ledgerbox schemas ({@code Schemas.ALL} in outbox-core's {@code spi}).
     * It is read at run time because this module is built before outbox-core, whose tests use it;
     * every module that migrates a database has outbox-core on its class path.
     */
    private static final String SCHEMAS_CLASS = "dev.ledgerbox.outbox.spi.Schemas";

    private static EmbeddedDatabase shared;

    private volatile EmbeddedPostgres postgres;
    private volatile boolean durable;
    private final java.io.File dataDirectory;
    /** Whether the data directory was made for this server, and goes with it when it stops. */
    private final boolean ownDirectory;

    private final boolean hook;
    private final Map<String, String> more;

    private EmbeddedDatabase(
            EmbeddedPostgres postgres,
            boolean durable,
            java.io.File dataDirectory,
            boolean ownDirectory,
            boolean hook,
            Map<String, String> more) {
        this.postgres = postgres;
        this.durable = durable;
        this.dataDirectory = dataDirectory;
        this.ownDirectory = ownDirectory;
        this.hook = hook;
        this.more = more;
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

    /** Starts a server with further server settings, e.g. a library to preload for a profile. */
    public static EmbeddedDatabase startWith(boolean durable, int port, java.util.Map<String, String> serverConfig) {
        return start(durable, port, null, true, serverConfig);
    }

    /**
     * A fast server with logical decoding on ({@code wal_level=logical}), for change data capture
     * (Debezium's {@code pgoutput}); stopped by {@link #close()}.
     */
    public static EmbeddedDatabase startLogical() {
        return start(
                false,
                0,
                null,
                true,
                java.util.Map.of("wal_level", "logical", "max_replication_slots", "4", "max_wal_senders", "4"));
    }

    private static EmbeddedDatabase start(boolean durable, int port, java.io.File dataDirectory, boolean hook) {
        return start(durable, port, dataDirectory, hook, java.util.Map.of());
    }

    private static EmbeddedDatabase start(
            boolean durable, int port, java.io.File dataDirectory, boolean hook, java.util.Map<String, String> more) {
        boolean own = dataDirectory == null;
        try {
            java.io.File directory = own
                    ? java.nio.file.Files.createTempDirectory("ledgerbox-postgres")
                            .toFile()
                    : dataDirectory;
            return new EmbeddedDatabase(
                    server(durable, port, directory, hook, more), durable, directory, own, hook, more);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start embedded PostgreSQL", e);
        }
    }

    /**
     * A server on {@code directory} (made by {@code initdb} when empty, kept when the server stops).
     * The durability settings go on its command line, where {@code ALTER SYSTEM} cannot change them
     * (the command line takes precedence): {@link #restart} is the way to change them.
     */
    private static EmbeddedPostgres server(
            boolean durable, int port, java.io.File directory, boolean hook, Map<String, String> more)
            throws IOException {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setRegisterShutdownHook(hook)
                .setServerConfig("max_connections", "200")
                .setServerConfig("fsync", durable ? "on" : "off")
                .setServerConfig("synchronous_commit", durable ? "on" : "off")
                .setServerConfig("full_page_writes", durable ? "on" : "off")
                .setDataDirectory(directory)
                .setCleanDataDirectory(false);
        more.forEach(builder::setServerConfig);
        if (port > 0) {
            builder.setPort(port);
        }
        return builder.start();
    }

    /**
     * Stops the server and starts it again on the same data and port, durable ({@code fsync},
     * {@code synchronous_commit} and {@code full_page_writes} on) or not. The benchmarks switch
     * modes this way: {@code ALTER SYSTEM} does not override the settings the server was started
     * with, so a switch by {@code ALTER SYSTEM} left the server as it was. Connections open before
     * are broken; pools must replace them.
     */
    public synchronized EmbeddedDatabase restart(boolean durable) {
        int port = port();
        try {
            postgres.close();
            postgres = server(durable, port, dataDirectory, hook, more);
            this.durable = durable;
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("could not restart embedded PostgreSQL", e);
        }
    }

    /** Whether the server runs with the durable settings (see {@link #restart}). */
    public boolean durable() {
        return durable;
    }

    /** The server shared by every test of this JVM, with the whole schema applied. */
    public static synchronized EmbeddedDatabase shared() {
        if (shared == null) {
            // stopped by this hook alone: a second one (the server's own) would race it, and the
            // data directory could not be removed under a server still stopping
            EmbeddedDatabase db = start(false, Integer.getInteger(PORT_PROPERTY, 0), null, false);
            db.migrate(allSchemas());
            Runtime.getRuntime().addShutdownHook(new Thread(db::close, "embedded-postgres-stop"));
            shared = db;
        }
        return shared;
    }

    /**
     * Applies the named schemas' migrations, in the order given: {@code outbox}, {@code audit},
     * {@code webhook}, {@code inbox}, {@code outbound}. A schema whose module is not on the class
     * path applies nothing.
     */
    public EmbeddedDatabase migrate(String... schemas) {
        migrate(dataSource(), schemas);
        return this;
    }

    /** Applies the named schemas' migrations to any database. */
    public static void migrate(DataSource dataSource, String... schemas) {
        for (String name : schemas) {
            Object schema = schemas().stream()
                    .filter(s -> name.equals(component(s, "name")))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no Ledgerbox schema named " + name));
            migrateLocation(dataSource, component(schema, "location"), component(schema, "historyTable"));
        }
    }

    /** The names of every Ledgerbox schema, in the order they are applied. */
    public static String[] allSchemas() {
        return schemas().stream().map(s -> component(s, "name")).toArray(String[]::new);
    }

    private static List<?> schemas() {
        try {
            return (List<?>) Class.forName(SCHEMAS_CLASS).getField("ALL").get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(SCHEMAS_CLASS + " (ledgerbox-outbox-core) is not on the class path", e);
        }
    }

    private static String component(Object schema, String accessor) {
        try {
            return (String) schema.getClass().getMethod(accessor).invoke(schema);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read " + accessor + " of " + schema, e);
        }
    }

    /** Applies the migrations at a Flyway location, with their own history table. */
    public static void migrateLocation(DataSource dataSource, String location, String historyTable) {
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

    /**
     * The publisher's settings for this database ({@code publisher.jdbc.url}, {@code .user}, {@code
     * .password}) and the given key/value pairs, in a map the caller may add to.
     */
    public Map<String, String> publisherSettings(String... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("keys and values come in pairs: " + List.of(keysAndValues));
        }
        Map<String, String> settings = new HashMap<>();
        settings.put("publisher.jdbc.url", jdbcUrl());
        settings.put("publisher.jdbc.user", user());
        settings.put("publisher.jdbc.password", password());
        for (int i = 0; i < keysAndValues.length; i += 2) {
            settings.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return settings;
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("could not stop embedded PostgreSQL", e);
        }
        if (ownDirectory) {
            try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(dataDirectory.toPath())) {
                for (java.nio.file.Path f :
                        files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    java.nio.file.Files.deleteIfExists(f);
                }
            } catch (IOException | UncheckedIOException e) {
                System.err.println("could not remove the embedded database's directory " + dataDirectory + ": " + e);
            }
        }
    }
}
