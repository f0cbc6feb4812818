package dev.ledgerbox.publisher;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.ContextInitializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ledgerbox.publisher.outbox.LogSink;
import dev.ledgerbox.publisher.spi.ClaimedEvent;
import dev.ledgerbox.publisher.spi.Outcome;
import dev.ledgerbox.publisher.spi.Text;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** The log sink's line, through the logback configuration the publisher ships. */
class LogSinkTest {

    final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream stdout;

    @BeforeEach
    void shippedConfiguration() throws Exception {
        stdout = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(getClass().getResource("/logback.xml"));
    }

    @AfterEach
    void restore() throws Exception {
        System.setOut(stdout);
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        new ContextInitializer(context).autoConfig();
    }

    static ClaimedEvent event(String payload) {
        return event(payload, 3L);
    }

    static ClaimedEvent event(String payload, Long aggregateSeq) {
        return new ClaimedEvent(
                UUID.fromString("6f1c1f5e-7b7c-4c41-9d7e-2a3b4c5d6e7f"),
                "order",
                "42",
                "order.paid",
                payload,
                aggregateSeq,
                99,
                Instant.parse("2026-11-24T10:15:30Z"),
                "req-7",
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                null,
                "acme",
                "{}",
                2,
                1);
    }

    private JsonNode line() throws Exception {
        String[] lines = captured.toString(StandardCharsets.UTF_8).strip().split("\n");
        return new ObjectMapper().readTree(lines[lines.length - 1]);
    }

    @Test
    void writesOneJsonLineWithTheEventsIdentityContextAndPayloadHash() throws Exception {
        MDC.put("correlation_id", "req-7");
        MDC.put("trace_id", "0af7651916cd43dd8448eb211c80319c");
        MDC.put("span_id", "b7ad6b7169203331");
        MDC.put("event_id", "6f1c1f5e-7b7c-4c41-9d7e-2a3b4c5d6e7f"); // as the publisher sets it
        try {
            assertThat(new LogSink(false).deliver(event("{\"total\": 1999}"))).isEqualTo(Outcome.DELIVERED);
        } finally {
            MDC.clear();
        }

        JsonNode line = line();
        assertThat(line.get("message").asText())
                .isEqualTo("outbox event published event_type=order.paid event_id=6f1c1f5e-7b7c-4c41-9d7e-2a3b4c5d6e7f"
                        + " aggregate_type=order/aggregate_id=42");
        assertThat(line.get("logger_name").asText()).isEqualTo("ledgerbox.events");
        assertThat(line.get("log_version").asInt()).isEqualTo(LogSink.LOG_VERSION);
        assertThat(line.get("schema_version").asInt()).isEqualTo(2);
        assertThat(line.get("aggregate_seq").asLong()).isEqualTo(3);
        assertThat(line.get("event_id").asText()).isEqualTo("6f1c1f5e-7b7c-4c41-9d7e-2a3b4c5d6e7f");
        assertThat(line.get("tenant_id").asText()).isEqualTo("acme");
        assertThat(line.get("correlation_id").asText()).isEqualTo("req-7");
        assertThat(line.get("trace_id").asText()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
        assertThat(line.get("span_id").asText()).isEqualTo("b7ad6b7169203331");
        assertThat(line.get("payload_sha256").asText())
                .isEqualTo(Text.sha256("{\"total\": 1999}"))
                .hasSize(64);
        assertThat(line.has("payload")).isFalse();
    }

    @Test
    void addsThePayloadWhenConfigured() throws Exception {
        new LogSink(true).deliver(event("{\"total\": 1999}"));

        assertThat(line().get("payload").get("total").asInt()).isEqualTo(1999);
    }

    @Test
    void anUnorderedEventsLineHasNoSequence() throws Exception {
        new LogSink(false).deliver(event("{}", null));

        JsonNode line = line();
        assertThat(line.has("aggregate_seq")).isFalse();
        assertThat(line.get("aggregate_id").asText()).isEqualTo("42");
    }
}
