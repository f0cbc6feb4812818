package dev.ledgerbox.publisher.app;

import dev.ledgerbox.audit.AuditVerification;
import dev.ledgerbox.audit.AuditVerifier;
import dev.ledgerbox.console.ConsoleSettings;
import dev.ledgerbox.outbox.spi.Schemas;
import dev.ledgerbox.publisher.ConfigurationException;
import dev.ledgerbox.publisher.PublisherSettings;
import dev.ledgerbox.publisher.outbox.LogSink;
import dev.ledgerbox.publisher.outbox.OutboxStore;
import dev.ledgerbox.publisher.outbox.ReplayFilter;
import dev.ledgerbox.publisher.outbox.Replayer;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.postgresql.ds.PGSimpleDataSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

/**
 * The {@code ledgerbox-publisher} command.
 *
 * <p>Exit codes: 0 done; 1 the work failed (a broken audit log, a failed migration); 2 bad usage
 * or configuration; 3 the database could not be reached.
 */
@Command(
        name = "ledgerbox-publisher",
        mixinStandardHelpOptions = true,
        versionProvider = Cli.Version.class,
        description = "Drains the Ledgerbox outbox: delivers committed events, reports on them, replays them.",
        subcommands = {
            Cli.Run.class,
            Cli.Status.class,
            Cli.Migrate.class,
            Cli.Replay.class,
            Cli.Verify.class,
            ConsoleCommands.Report.class,
            ConsoleCommands.ConsoleUser.class,
            WebhookCommands.Endpoints.class,
            WebhookCommands.Secrets.class,
            WebhookCommands.DeadLetterCommands.class,
            InboxCommands.class,
            CommandLine.HelpCommand.class
        },
        footer = {
            "",
            "Settings: publisher.* keys from --config FILE, the environment",
            "(PUBLISHER_JDBC_URL, ...), system properties and --set KEY=VALUE;",
            "later ones win. The password comes from publisher.jdbc.password",
            "(e.g. PUBLISHER_JDBC_PASSWORD), never from a flag.",
            "",
            "Exit codes: 0 done, 1 failed, 2 bad usage or configuration",
            "(a database without the Ledgerbox schema too), 3 database unreachable."
        })
public final class Cli implements Runnable {

    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int DATABASE_UNREACHABLE = 3;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /** The command line, for embedding (and tests): set its output streams, then {@code execute}. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Cli());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (e instanceof ConfigurationException) {
                err.println("configuration error: " + e.getMessage());
                return USAGE;
            }
            if (e instanceof dev.ledgerbox.publisher.webhook.WebhookException) {
                err.println("refused: " + e.getMessage());
                return USAGE;
            }
            if (e instanceof dev.ledgerbox.inbox.InboxException && e.getCause() instanceof SQLException cause) {
                err.println("database unreachable or refused the request: " + cause.getMessage());
                return DATABASE_UNREACHABLE;
            }
            if (e instanceof dev.ledgerbox.inbox.InboxException) {
                err.println("refused: " + e.getMessage());
                return USAGE;
            }
            if (schemaMissing(e)) {
                err.println("the Ledgerbox schema is missing in this database ("
                        + e.getMessage().lines().findFirst().orElse("")
                        + "): run `ledgerbox-publisher migrate` first, or check --jdbc-url");
                return USAGE;
            }
            if (e instanceof SQLException) {
                err.println("database unreachable or refused the request: " + e.getMessage());
                return DATABASE_UNREACHABLE;
            }
            err.println("failed: " + e);
            return FAILED;
        });
        return cli;
    }

    /** The known key closest to {@code key} by edit distance. */
    static String nearest(String key, Set<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : new TreeSet<>(known)) {
            int d = distance(key, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /** Whether the failure is a Ledgerbox table that does not exist (SQLSTATE 42P01): the database is not migrated. */
    static boolean schemaMissing(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && "42P01".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Options every command that talks to the database takes. */
    static final class Settings {
        @Option(names = "--config", paramLabel = "FILE", description = "a properties file with publisher.* keys")
        Path config;

        @Option(names = "--jdbc-url", paramLabel = "URL", description = "publisher.jdbc.url")
        String jdbcUrl;

        @Option(names = "--user", paramLabel = "NAME", description = "publisher.jdbc.user")
        String user;

        @Option(
                names = "--set",
                paramLabel = "KEY=VALUE",
                description = "any setting, e.g. --set publisher.batch-size=500")
        Map<String, String> set = new HashMap<>();

        /** The console's settings, read (and checked) with the publisher's by {@link #load()}. */
        ConsoleSettings console;

        PublisherSettings load() throws IOException {
            SmallRyeConfigBuilder builder = new SmallRyeConfigBuilder().addDefaultSources();
            if (config != null) {
                if (!Files.isReadable(config)) {
                    throw new ConfigurationException("--config " + config + " cannot be read");
                }
                URL url = config.toUri().toURL();
                builder.withSources(new PropertiesConfigSource(url, 260));
            }
            Map<String, String> flags = new HashMap<>(set);
            if (jdbcUrl != null) {
                flags.put("publisher.jdbc.url", jdbcUrl);
            }
            if (user != null) {
                flags.put("publisher.jdbc.user", user);
            }
            builder.withSources(new PropertiesConfigSource(flags, "command line", 500));
            SmallRyeConfig cfg = builder.build();
            Set<String> read = new HashSet<>();
            java.util.function.Function<String, String> source = key -> {
                read.add(key);
                return cfg.getOptionalValue(key, String.class).orElse(null);
            };
            PublisherSettings settings = PublisherSettings.from(source);
            console = ConsoleSettings.from(source);
            Set<String> given = new TreeSet<>(set.keySet());
            if (config != null) {
                Properties file = new Properties();
                try (var in = Files.newInputStream(config)) {
                    file.load(in);
                }
                given.addAll(file.stringPropertyNames());
            }
            for (String key : given) {
                if (key.startsWith("publisher.") && !read.contains(key)) {
                    throw new ConfigurationException("there is no setting " + key + "; did you mean "
                            + nearest(key, read) + "? (docs/publisher.md lists them)");
                }
            }
            return settings;
        }
    }

    static DataSource dataSource(PublisherSettings s) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(s.jdbcUrl());
        if (s.user() != null) {
            ds.setUser(s.user());
        }
        if (s.password() != null) {
            ds.setPassword(s.password());
        }
        return ds;
    }

    @Command(name = "run", mixinStandardHelpOptions = true, description = "Runs the publisher until SIGTERM or Ctrl-C.")
    static final class Run implements Callable<Integer> {
        @Mixin
        Settings settings;

        @Option(
                names = "--console",
                description = "also serve the operator console (publisher.console.*: on 127.0.0.1:9091 unless"
                        + " configured; needs publisher.console.users, see console-user)")
        boolean console;

        @Override
        public Integer call() throws Exception {
            PublisherSettings s = settings.load();
            Daemon daemon = new Daemon(s, new LogSink(s.logPayload()));
            if (console) {
                daemon.console(settings.console);
            }
            // SIGTERM and Ctrl-C stop the daemon in order, and the command then exits 0
            Signal.handle(new Signal("TERM"), signal -> new Thread(daemon::close, "ledgerbox-stop").start());
            Signal.handle(new Signal("INT"), signal -> new Thread(daemon::close, "ledgerbox-stop").start());
            daemon.start();
            daemon.awaitStop();
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Counts events per status and type.")
    static final class Status implements Callable<Integer> {
        private static final String ROW_HEAD = "%-40s %9s %9s %9s %9s %9s%n";

        /** One line of counts by status (PENDING, CLAIMED, FAILED, DELIVERED, DEAD). */
        private static void row(PrintWriter out, String label, Map<String, Long> counts) {
            out.printf(
                    "%-40s %9d %9d %9d %9d %9d%n",
                    label,
                    counts.getOrDefault("PENDING", 0L),
                    counts.getOrDefault("CLAIMED", 0L),
                    counts.getOrDefault("FAILED", 0L),
                    counts.getOrDefault("DELIVERED", 0L),
                    counts.getOrDefault("DEAD", 0L));
        }

        @Mixin
        Settings settings;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            DataSource ds = dataSource(settings.load());
            OutboxStore.Status status = new OutboxStore(ds).status();
            PrintWriter out = spec.commandLine().getOut();
            out.printf(ROW_HEAD, "type", "pending", "claimed", "failed", "delivered", "dead");
            status.byType().forEach((type, counts) -> row(out, type, counts));
            row(out, "(all)", status.totals());
            out.printf("oldest waiting event: %s%n", human(status.oldestPending()));
            Map<String, Map<String, Long>> deliveries =
                    new dev.ledgerbox.publisher.webhook.DeadLetters(ds).countsByEndpoint();
            if (!deliveries.isEmpty()) {
                out.println();
                out.printf(ROW_HEAD, "webhook deliveries to", "pending", "claimed", "failed", "delivered", "dead");
                deliveries.forEach((url, counts) -> row(out, url, counts));
            }
            return 0;
        }
    }

    @Command(
            name = "migrate",
            mixinStandardHelpOptions = true,
            description = "Applies the outbox, audit, webhook, inbox, outbound and console schema migrations.")
    static final class Migrate implements Callable<Integer> {
        @Mixin
        Settings settings;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            DataSource ds = dataSource(settings.load());
            try (Connection c = ds.getConnection()) {
                // unreachable or refused: one clear line and exit 3, before Flyway says it its way
            }
            PrintWriter out = spec.commandLine().getOut();
            for (Schemas.Schema schema : Schemas.ALL) {
                out.printf("migrating %s schema ...%n", schema.name());
                out.flush();
                var result = Flyway.configure()
                        .dataSource(ds)
                        .locations(schema.location())
                        .table(schema.historyTable())
                        .baselineOnMigrate(true)
                        .baselineVersion("0")
                        .load()
                        .migrate();
                out.printf(
                        "  %s: %d migration(s) applied, now at version %s%n",
                        schema.name(),
                        result.migrationsExecuted,
                        result.targetSchemaVersion == null ? "(unchanged)" : result.targetSchemaVersion);
            }
            return 0;
        }
    }

    @Command(
            name = "replay",
            mixinStandardHelpOptions = true,
            description = "Puts events back to pending; they keep their ids.")
    static final class Replay implements Callable<Integer> {
        @Mixin
        Settings settings;

        @Spec
        CommandSpec spec;

        @Option(names = "--id", paramLabel = "UUID", description = "an event id (repeatable)")
        List<UUID> ids = new ArrayList<>();

        @Option(names = "--type", description = "events of this type")
        String type;

        @Option(names = "--aggregate", paramLabel = "TYPE:ID", description = "events of this aggregate")
        String aggregate;

        @Option(
                names = "--from",
                paramLabel = "INSTANT",
                description = "occurred at or after, e.g. 2026-11-24T00:00:00Z")
        Instant from;

        @Option(names = "--to", paramLabel = "INSTANT", description = "occurred before")
        Instant to;

        @Option(
                names = "--status",
                split = ",",
                description = "which events to replay (default: DEAD,FAILED; DELIVERED to send again)")
        List<String> statuses = new ArrayList<>(List.of("DEAD", "FAILED"));

        @Override
        public Integer call() throws Exception {
            if (ids.isEmpty() && type == null && aggregate == null && from == null && to == null) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "say which events: --id, --type, --aggregate, --from or --to");
            }
            String aggregateType = null;
            String aggregateId = null;
            if (aggregate != null) {
                int colon = aggregate.indexOf(':');
                if (colon <= 0 || colon == aggregate.length() - 1) {
                    throw new CommandLine.ParameterException(
                            spec.commandLine(), "--aggregate is '" + aggregate + "': write it TYPE:ID, e.g. order:42");
                }
                aggregateType = aggregate.substring(0, colon);
                aggregateId = aggregate.substring(colon + 1);
            }
            for (String status : statuses) {
                if (!List.of("DEAD", "FAILED", "DELIVERED", "PENDING").contains(status)) {
                    throw new CommandLine.ParameterException(
                            spec.commandLine(), "--status has '" + status + "': use DEAD, FAILED or DELIVERED");
                }
            }
            ReplayFilter filter = new ReplayFilter(ids, type, aggregateType, aggregateId, from, to, statuses);
            PrintWriter out = spec.commandLine().getOut();
            long done = new Replayer(dataSource(settings.load())).replay(filter, (n, total) -> {
                out.printf("replayed %d of %d%n", n, total);
                out.flush();
            });
            out.printf("%d event(s) put back to pending%n", done);
            return 0;
        }
    }

    @Command(
            name = "verify",
            mixinStandardHelpOptions = true,
            description = "Checks the audit log against its hash chain.")
    static final class Verify implements Callable<Integer> {
        @Mixin
        Settings settings;

        @Option(
                names = "--anchor",
                paramLabel = "CHAIN:SEQ:HASH",
                description = "a chain head published earlier (as this command prints it, repeatable): the chain"
                        + " must still hold that seal with that hash")
        List<String> anchors = new ArrayList<>();

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Map<String, AuditVerification.Anchor> anchored = new LinkedHashMap<>();
            for (String anchor : anchors) {
                int last = anchor.lastIndexOf(':');
                int middle = last <= 0 ? -1 : anchor.lastIndexOf(':', last - 1);
                long seq = -1;
                if (middle >= 0) {
                    try {
                        seq = Long.parseLong(anchor.substring(middle + 1, last));
                    } catch (NumberFormatException e) {
                        seq = -1;
                    }
                }
                if (middle < 0 || seq < 1 || !anchor.substring(last + 1).matches("[0-9a-f]{64}")) {
                    throw new CommandLine.ParameterException(
                            spec.commandLine(),
                            "--anchor is '" + anchor + "': write CHAIN:SEQ:HASH as verify prints it"
                                    + " (e.g. acme:1042:9f86d0…, 64 hex digits)");
                }
                anchored.put(
                        anchor.substring(0, middle), new AuditVerification.Anchor(seq, anchor.substring(last + 1)));
            }
            AuditVerification result = new AuditVerifier(dataSource(settings.load())).verify(anchored);
            PrintWriter out = spec.commandLine().getOut();
            out.println(result);
            result.heads()
                    .forEach((chain, head) -> out.printf(
                            "  head of chain '%s': seal %d %s; to publish: --anchor %s:%d:%s%n",
                            chain, head.seq(), head.hash(), chain, head.seq(), head.hash()));
            return result.intact() ? 0 : FAILED;
        }
    }

    static String human(Duration d) {
        if (d.isZero()) {
            return "none";
        }
        long s = d.toSeconds();
        return s < 120 ? s + " s" : s < 7200 ? s / 60 + " min" : s / 3600 + " h";
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Cli.class.getPackage().getImplementationVersion();
            return new String[] {"ledgerbox-publisher " + (v == null ? "(development build)" : v)};
        }
    }
}
