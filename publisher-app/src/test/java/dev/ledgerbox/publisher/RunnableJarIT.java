package dev.ledgerbox.publisher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.testing.EmbeddedDatabase;
import dev.ledgerbox.testing.SqlRows;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The runnable jar as an operator runs it ({@code java -jar …-all.jar run}), not the classes on a
 * test class path: its logging configuration loads (a class missing from the jar broke it once,
 * silently: no JSON lines at all), it publishes a committed event, serves the console with one flag
 * and a configured user, and SIGTERM stops it cleanly.
 * Prints how long it took from the process start to the event's line.
 */
class RunnableJarIT {

    @Test
    void theJarLogsAPublishedEventAsJsonAndStopsCleanly() throws Exception {
        EmbeddedDatabase db = EmbeddedDatabase.shared();
        String aggregate = "runnable-" + System.nanoTime();
        new SqlRows(db.dataSource())
                .execute("SELECT ledgerbox_emit('order', '" + aggregate + "', 'order.created', '{\"id\": 1}'::jsonb,"
                        + " 'runnable-jar-it')");
        Path jar;
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            jar = files.filter(f -> f.getFileName().toString().endsWith("-all.jar"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no -all.jar in target: the shade plugin did not run"));
        }
        Path output = Files.createTempFile("runnable-jar", ".log");
        ProcessBuilder builder = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-jar",
                        jar.toString(),
                        "run",
                        "--jdbc-url",
                        db.jdbcUrl(),
                        "--user",
                        db.user(),
                        "--set",
                        "publisher.http.port=-1",
                        "--console",
                        "--set",
                        "publisher.console.port=0")
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .directory(new File("."));
        builder.environment().put("PUBLISHER_JDBC_PASSWORD", db.password());
        builder.environment()
                .put(
                        "PUBLISHER_CONSOLE_USERS",
                        "ops:viewer:" + dev.ledgerbox.console.Passwords.hash("runnable-jar-pass".toCharArray()));
        long started = System.nanoTime();
        Process publisher = builder.start();
        List<String> lines;
        try {
            String published = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (published == null && System.nanoTime() < deadline) {
                published = Files.readAllLines(output).stream()
                        .filter(l -> l.contains("outbox event published") && l.contains(aggregate))
                        .findFirst()
                        .orElse(null);
                if (published == null) {
                    Thread.sleep(20);
                }
            }
            System.out.printf(
                    "runnable jar: the event's line within %d ms of the process start%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            assertThat(published).as(Files.readString(output)).isNotNull();
            assertThat(published).startsWith("{").contains("\"correlation_id\":\"runnable-jar-it\"");
            // the console, from the one flag, answers its user
            java.util.regex.Matcher console = java.util.regex.Pattern.compile(
                            "console on (http://127\\.0\\.0\\.1:\\d+/)")
                    .matcher(Files.readString(output));
            assertThat(console.find()).as(Files.readString(output)).isTrue();
            java.net.http.HttpResponse<String> session = java.net.http.HttpClient.newHttpClient()
                    .send(
                            java.net.http.HttpRequest.newBuilder(java.net.URI.create(console.group(1) + "api/session"))
                                    .header(
                                            "Authorization",
                                            "Basic "
                                                    + java.util.Base64.getEncoder()
                                                            .encodeToString("ops:runnable-jar-pass".getBytes()))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(session.statusCode()).isEqualTo(200);
            assertThat(session.body()).contains("\"user\":\"ops\"", "\"role\":\"viewer\"");
            publisher.destroy(); // SIGTERM
            assertThat(publisher.waitFor(30, TimeUnit.SECONDS)).isTrue();
            lines = Files.readAllLines(output);
        } finally {
            publisher.destroyForcibly();
        }
        assertThat(lines).noneMatch(l -> l.contains("|-ERROR") || l.contains("\"level\":\"ERROR\""));
        assertThat(lines).anyMatch(l -> l.contains("stopped"));
    }
}
