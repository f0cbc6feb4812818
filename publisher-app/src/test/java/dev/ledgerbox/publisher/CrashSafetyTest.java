package dev.ledgerbox.publisher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ledgerbox.outbox.OutboxEvent;
import dev.ledgerbox.outbox.spi.TraceContext;
import dev.ledgerbox.publisher.app.Cli;
import dev.ledgerbox.testing.EmbeddedDatabase;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The publisher as its own JVM, killed with SIGKILL at random moments while it drains tens of
 * thousands of events, then restarted: every event is delivered, none lost, duplicates only as
 * many as the kills can explain, each with its own event id, and each aggregate's events first
 * delivered in order.
 */
class CrashSafetyTest {

    static final int EVENTS = 30_000;
    static final int AGGREGATES = 500;
    static final int KILLS = 4;
    static final int BATCH = 100;

    @TempDir
    Path logs;

    @BeforeEach
    void empty() throws SQLException {
        Events.clear();
    }

    @Test
    void survivesSigkillWithoutLosingAnEvent() throws Exception {
        Set<UUID> written = writeEvents();
        List<Path> outputs = new ArrayList<>();

        int killsWhileDraining = 0;
        for (int kill = 0; kill < KILLS && undelivered() > 0; kill++) {
            Path out = logs.resolve("run-" + kill + ".log");
            outputs.add(out);
            Process publisher = startPublisher(out);
            awaitLine(out, "outbox event published", publisher); // it is draining now
            Thread.sleep(ThreadLocalRandom.current().nextLong(50, 600));
            publisher.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
            assertThat(publisher.waitFor(30, TimeUnit.SECONDS)).isTrue();
            if (undelivered() > 0) {
                killsWhileDraining++;
            }
        }
        assertThat(killsWhileDraining).as("kills that hit a draining publisher").isGreaterThanOrEqualTo(2);
        Path last = logs.resolve("run-final.log");
        outputs.add(last);
        Process publisher = startPublisher(last);
        awaitLine(last, "starting", publisher);
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (undelivered() > 0) {
            assertThat(System.nanoTime()).as("all events delivered in time").isLessThan(deadline);
            assertThat(publisher.isAlive()).as("the publisher keeps running").isTrue();
            Thread.sleep(200);
        }
        publisher.destroy(); // SIGTERM: a graceful stop
        assertThat(publisher.waitFor(60, TimeUnit.SECONDS)).isTrue();
        List<String> tail = Files.readAllLines(last);
        assertThat(publisher.exitValue())
                .as(
                        "exit code after SIGTERM; the last lines: %s",
                        tail.subList(Math.max(0, tail.size() - 5), tail.size()))
                .isZero();

        Map<UUID, Integer> deliveries = new HashMap<>();
        Map<String, List<Long>> firstDeliveryOrder = new HashMap<>();
        ObjectMapper json = new ObjectMapper();
        for (Path out : outputs) {
            for (String line : Files.readAllLines(out)) {
                JsonNode node = parse(json, line);
                if (node == null || !node.path("message").asText().startsWith("outbox event published")) {
                    continue; // other log lines, or a line cut short by SIGKILL
                }
                UUID id = UUID.fromString(node.get("event_id").asText());
                if (deliveries.merge(id, 1, Integer::sum) == 1) {
                    firstDeliveryOrder
                            .computeIfAbsent(node.get("aggregate_id").asText(), a -> new ArrayList<>())
                            .add(node.get("aggregate_seq").asLong());
                }
            }
        }

        assertThat(deliveries.keySet())
                .as("every event delivered at least once")
                .isEqualTo(written);
        int duplicates = deliveries.values().stream().mapToInt(n -> n - 1).sum();
        System.out.printf(
                "crash test: %d events, %d kills while draining, %d duplicate deliveries%n",
                EVENTS, killsWhileDraining, duplicates);
        // the engine holds at most two batches claimed and not recorded (one worked, the next
        // claimed meanwhile): a kill can leave both to be delivered again
        assertThat(duplicates)
                .as("duplicates are bounded by the batches in hand at the kills")
                .isLessThanOrEqualTo(KILLS * 2 * BATCH);
        firstDeliveryOrder.forEach((aggregate, seqs) ->
                assertThat(seqs).as("order of aggregate " + aggregate).isSorted());
    }

    /** Waits until the process has written a line containing the text. */
    private static void awaitLine(Path output, String text, Process process) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.readString(output).contains(text)) {
            assertThat(process.isAlive())
                    .as("the publisher is running: " + Files.readString(output))
                    .isTrue();
            assertThat(System.nanoTime()).as("waiting for '" + text + "'").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static JsonNode parse(ObjectMapper json, String line) {
        try {
            return json.readTree(line);
        } catch (IOException e) {
            return null;
        }
    }

    private static long undelivered() throws SQLException {
        return Long.parseLong((String) Events.sql()
                .query("SELECT count(*) AS n FROM outbox_event WHERE status <> 'DELIVERED'")
                .get(0)
                .get("n"));
    }

    private static Set<UUID> writeEvents() throws SQLException {
        Set<UUID> ids = new HashSet<>();
        try (Connection c = Events.db().getConnection()) {
            c.setAutoCommit(false);
            for (int i = 0; i < EVENTS; i++) {
                ids.add(Events.WRITER.write(
                        c,
                        OutboxEvent.of("order", "agg-" + (i % AGGREGATES), "order.changed", Map.of("i", i)),
                        "crash-test",
                        TraceContext.NONE,
                        () -> "test"));
                if (i % 1000 == 999) {
                    c.commit();
                }
            }
            c.commit();
        }
        return ids;
    }

    private static Process startPublisher(Path output) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                "-Xmx256m",
                "-Dlogback.configurationFile=logback.xml", // the shipped JSON lines, not the test's
                Cli.class.getName(),
                "run",
                "--jdbc-url",
                EmbeddedDatabase.shared().jdbcUrl(),
                "--user",
                "postgres",
                "--set",
                "publisher.batch-size=" + BATCH,
                "--set",
                "publisher.concurrency=8",
                "--set",
                "publisher.lease=2s",
                "--set",
                "publisher.http.port=-1",
                "--set",
                "publisher.poll-interval=100ms");
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .directory(new File("."))
                .start();
    }
}
