package dev.ledgerbox.build;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.console.ConsoleSettings;
import dev.ledgerbox.publisher.PublisherSettings;
import dev.ledgerbox.publisher.app.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/production.md is copied into service units and manifests: every environment variable it
 * sets is a setting the publisher reads, every command it runs exists, and its probes are the
 * health server's paths.
 */
class ProductionDocTest {

    private static final String DOC = read();

    private static String read() {
        try {
            return Files.readString(Path.of("..", "docs", "production.md"));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void everyVariableIsASetting() {
        Set<String> known = new HashSet<>();
        java.util.function.Function<String, String> record = key -> {
            known.add(key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_"));
            return key.equals("publisher.jdbc.url") ? "jdbc:postgresql://localhost/app" : null;
        };
        PublisherSettings.from(record);
        ConsoleSettings.from(record);
        Set<String> used = new TreeSet<>();
        Matcher m = Pattern.compile("\\b(PUBLISHER_[A-Z0-9_]+)").matcher(DOC);
        while (m.find()) {
            used.add(m.group(1));
        }
        assertThat(used).contains("PUBLISHER_JDBC_URL", "PUBLISHER_INSTANCE_ID", "PUBLISHER_HTTP_HOST");
        assertThat(known).containsAll(used);
    }

    @Test
    void everyCommandExistsAndTheProbesAreTheHealthPaths() {
        Set<String> commands = Cli.commandLine().getSubcommands().keySet();
        Matcher run =
                Pattern.compile("-all\\.jar (run|migrate|report|[a-z-]+)\\b").matcher(DOC);
        int found = 0;
        while (run.find()) {
            assertThat(commands).contains(run.group(1));
            found++;
        }
        Matcher args = Pattern.compile("(?:args|CMD): \\[\"([a-z-]+)\"\\]|CMD \\[\"([a-z-]+)\"\\]")
                .matcher(DOC);
        while (args.find()) {
            assertThat(commands).contains(args.group(1) != null ? args.group(1) : args.group(2));
            found++;
        }
        assertThat(found).isGreaterThanOrEqualTo(4);
        Matcher probes = Pattern.compile("path: (/[a-z/]+)").matcher(DOC);
        Set<String> paths = new TreeSet<>();
        while (probes.find()) {
            paths.add(probes.group(1));
        }
        assertThat(paths).containsExactlyInAnyOrder("/health/live", "/health/ready", "/metrics");
    }
}
