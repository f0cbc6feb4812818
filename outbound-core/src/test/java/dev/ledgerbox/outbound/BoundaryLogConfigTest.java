package dev.ledgerbox.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.status.Status;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ledgerbox.publisher.spi.BoundaryLine;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;

/**
 * The asynchronous logging configuration that {@code docs/outbound.md} advises for the {@code
 * boundary_audit} lines, loaded as written there: it starts without a complaint, and a burst of
 * lines from many threads, larger than its ring buffer, reaches the file whole (none dropped).
 */
class BoundaryLogConfigTest {

    static final int THREADS = 8;
    static final int PAIRS_PER_THREAD = 2_500; // 40,000 lines, the ring buffer holds 8,192

    @Test
    void theDocumentedAsynchronousConfigurationWritesEveryLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("boundary-audit.log");
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        String xml = documentedConfiguration().replace("logs/boundary-audit.log", file.toString());
        configurator.doConfigure(new ByteArrayInputStream(
                ("<configuration>" + xml + "</configuration>").getBytes(StandardCharsets.UTF_8)));
        assertThat(context.getStatusManager().getCopyOfStatusList())
                .filteredOn(status -> status.getEffectiveLevel() >= Status.WARN)
                .as("logback's complaints about the documented configuration")
                .isEmpty();

        Logger logger = context.getLogger("ledgerbox.outbound");
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> callers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            callers.add(pool.submit(() -> {
                for (int i = 0; i < PAIRS_PER_THREAD; i++) {
                    String key = "order-" + thread + "-" + i;
                    BoundaryLine.request(logger, "outbound_attempt", 1, "payments", "POST", "https://pay.example/v1")
                            .with("call_key", key)
                            .log();
                    BoundaryLine.response(
                                    logger,
                                    "outbound_attempt",
                                    1,
                                    "payments",
                                    "POST",
                                    "https://pay.example/v1",
                                    200,
                                    1,
                                    null,
                                    null)
                            .with("call_key", key)
                            .log();
                }
            }));
        }
        for (Future<?> caller : callers) {
            caller.get(1, TimeUnit.MINUTES);
        }
        pool.shutdown();
        context.stop(); // drains the ring buffer, flushes and closes the file

        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(2 * THREADS * PAIRS_PER_THREAD);
        ObjectMapper json = new ObjectMapper();
        JsonNode last = json.readTree(lines.get(lines.size() - 1));
        assertThat(last.get("audit").asText()).isEqualTo("outbound_attempt");
        assertThat(lines.stream().filter(line -> line.contains("\"phase\":\"response\"")))
                .hasSize(THREADS * PAIRS_PER_THREAD);
    }

    /** The first XML block of the section on where the lines go. */
    private static String documentedConfiguration() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "outbound.md"));
        int section = doc.indexOf("### Where the lines go");
        int start = doc.indexOf("```xml", section) + "```xml".length();
        return doc.substring(start, doc.indexOf("```", start));
    }
}
