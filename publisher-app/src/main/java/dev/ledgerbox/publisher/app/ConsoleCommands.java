package dev.ledgerbox.publisher.app;

import dev.ledgerbox.console.ConsoleSettings;
import dev.ledgerbox.console.Passwords;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The console's commands: the report, and a user entry for {@code publisher.console.users}. */
final class ConsoleCommands {

    private ConsoleCommands() {}

    @Command(
            name = "report",
            mixinStandardHelpOptions = true,
            description = {
                "What happened over a stretch of time: success rate by event type and endpoint,",
                "p50/p95/p99, throughput per minute and its peak, errors, dead letters, and the",
                "count-parity canary. Exits 1 when the canary finds something missing or stuck."
            })
    static final class Report implements Callable<Integer> {
        @Mixin
        Cli.Settings settings;

        @Spec
        CommandSpec spec;

        @Option(names = "--since", paramLabel = "DURATION", description = "how far back (default 24h; 30m, 7d)")
        String since = "24h";

        @Option(names = "--format", paramLabel = "FORMAT", description = "text (default), json or csv")
        String format = "text";

        @Override
        public Integer call() throws Exception {
            Duration window = dev.ledgerbox.publisher.PublisherSettings.parseDuration(since);
            if (window == null
                    || window.isZero()
                    || window.isNegative()
                    || window.compareTo(Duration.ofDays(366)) > 0) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "--since is '" + since + "': write a duration up to 366d, e.g. 24h or 7d");
            }
            if (!java.util.List.of("text", "json", "csv").contains(format.toLowerCase(Locale.ROOT))) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "--format is '" + format + "': use text, json or csv");
            }
            dev.ledgerbox.console.Report report =
                    dev.ledgerbox.console.Report.of(Cli.dataSource(settings.load()), window, Clock.systemUTC());
            PrintWriter out = spec.commandLine().getOut();
            out.print(
                    switch (format.toLowerCase(Locale.ROOT)) {
                        case "json" -> report.toJson() + System.lineSeparator();
                        case "csv" -> report.toCsv();
                        default -> report.toText();
                    });
            out.flush();
            return report.canaryPassed() ? 0 : Cli.FAILED;
        }
    }

    @Command(
            name = "console-user",
            mixinStandardHelpOptions = true,
            description = {
                "Prints a user entry for publisher.console.users (NAME:ROLE:HASH, comma-separated",
                "in the setting). The password is read from the terminal, or the first line of",
                "standard input; only its hash is printed."
            })
    static final class ConsoleUser implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME", description = "the name to sign in with")
        String name;

        @Parameters(index = "1", paramLabel = "ROLE", description = "viewer (reads) or operator (also acts)")
        String role;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            char[] password;
            java.io.Console terminal = System.console();
            if (terminal != null) {
                password = terminal.readPassword("password for %s: ", name);
            } else {
                String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                password = line == null ? new char[0] : line.toCharArray();
            }
            if (password == null || password.length < 12) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "the password must have at least 12 characters");
            }
            String entry = name + ":" + role.toLowerCase(Locale.ROOT) + ":" + Passwords.hash(password);
            java.util.Arrays.fill(password, '\0');
            ConsoleSettings.from(
                    key -> key.equals("publisher.console.users") ? entry : null); // names a bad name or role
            spec.commandLine().getOut().println(entry);
            return 0;
        }
    }
}
