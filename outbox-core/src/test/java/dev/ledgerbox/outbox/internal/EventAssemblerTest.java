package dev.ledgerbox.outbox.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ledgerbox.outbox.InvalidEventException;
import dev.ledgerbox.outbox.OutboxEvent;
import dev.ledgerbox.outbox.spi.TraceContext;
import jakarta.json.Json;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class EventAssemblerTest {

    static final JsonbPayloadSerializer JSON = new JsonbPayloadSerializer();
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-24T10:00:00Z"), ZoneOffset.UTC);
    final EventAssembler assembler = new EventAssembler(JSON, 64, CLOCK);

    @AfterAll
    static void close() throws Exception {
        JSON.close();
    }

    public static class Line {
        public String sku = "A-1";
        public BigDecimal price = new BigDecimal("9.90");
        public LocalDate shipBy = LocalDate.of(2026, 12, 1);
        public String note = null;
        public int quantity = 2;
    }

    public static class Exploding {
        public String getName() {
            throw new IllegalStateException("lazy association not loaded");
        }
    }

    @Test
    void serialisesWithAStableDocumentedShape() {
        EventRecord record = assemble(OutboxEvent.of("order", 1, "order.created", new Line()));
        // properties in lexicographic order, nulls left out, ISO dates, numbers as numbers
        assertThat(record.payloadJson())
                .isEqualTo("{\"price\":9.90,\"quantity\":2,\"shipBy\":\"2026-12-01\",\"sku\":\"A-1\"}");
        assertThat(record.occurredAt()).isEqualTo(CLOCK.instant());
        assertThat(record.headersJson()).isEqualTo("{}");
        assertThat(record.aggregateId()).isEqualTo("1");
    }

    @Test
    void writesJsonValuesAsTheyAre() {
        var json = Json.createObjectBuilder()
                .add("z", 1)
                .add("a", Json.createArrayBuilder())
                .build();
        assertThat(assemble(OutboxEvent.of("order", 1, "order.created", json)).payloadJson())
                .isEqualTo("{\"z\":1,\"a\":[]}");
    }

    @Test
    void refusesABlankTypeNamingTheOrigin() {
        assertThatThrownBy(() -> assemble(OutboxEvent.of("order", 1, "  ", Map.of())))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("Shop.place(Order): outbox event (no type) has a blank type");
    }

    @Test
    void refusesABlankAggregateTypeOrId() {
        assertThatThrownBy(() -> assemble(OutboxEvent.of("", 1, "order.created", Map.of())))
                .hasMessage("Shop.place(Order): outbox event 'order.created' has a blank aggregate type");
        assertThatThrownBy(() -> assemble(OutboxEvent.of("order", null, "order.created", Map.of())))
                .hasMessage("Shop.place(Order): outbox event 'order.created' has a blank aggregate id");
    }

    @Test
    void refusesNamesWiderThanTheirColumns() {
        String longId = "9".repeat(256);
        assertThatThrownBy(() -> assemble(OutboxEvent.of("order", longId, "order.created", Map.of())))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("Shop.place(Order): outbox event 'order.created' has an over-long aggregate id:"
                        + " 256 characters, the limit is 255");
        assertThat(assemble(OutboxEvent.of("order", longId.substring(1), "order.created", Map.of()))
                        .aggregateId())
                .hasSize(255);
    }

    @Test
    void refusesANullPayload() {
        assertThatThrownBy(() -> assemble(OutboxEvent.of("order", 1, "order.created", null)))
                .hasMessage("Shop.place(Order): outbox event 'order.created' has a null payload");
    }

    @Test
    void refusesAPayloadThatCannotBeSerialised() {
        assertThatThrownBy(() -> assemble(OutboxEvent.of("order", 1, "order.created", new Exploding())))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageStartingWith("Shop.place(Order): outbox event 'order.created' has a payload of "
                        + Exploding.class.getName() + " that cannot be serialised to JSON")
                .hasRootCauseMessage("lazy association not loaded");
    }

    @Test
    void refusesAPayloadOverTheLimitCountingUtf8Bytes() {
        // 60 characters: 30 two-byte characters are 60 bytes, plus quotes 62: fits in 64
        assertThat(assemble(OutboxEvent.of("order", 1, "t", "é".repeat(30))).payloadJson())
                .hasSize(32);
        // 32 two-byte characters: 66 bytes with the quotes
        assertThatThrownBy(() -> assemble(OutboxEvent.of("order", 1, "order.created", "é".repeat(32))))
                .isInstanceOf(InvalidEventException.class)
                .hasMessage("Shop.place(Order): outbox event 'order.created' has a payload of 66 bytes,"
                        + " over the limit of 64 bytes (outbox.max-payload-bytes)");
    }

    @Test
    void countsUtf8BytesLikeTheEncoder() {
        for (String s : List.of("", "abc", "é", "€", "😀", "a😀é€z", "\uD800", "x\uDC00")) {
            assertThat(EventAssembler.utf8Length(s)).as(s).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
        }
    }

    @Test
    void carriesHeadersAndTraceContext() {
        EventRecord record = assembler.assemble(
                OutboxEvent.builder("order", 1, "t")
                        .payload(1)
                        .header("b", "2")
                        .header("a", "1")
                        .build(),
                "corr",
                new TraceContext("00-aa-bb-01", null),
                () -> "x");
        assertThat(record.headersJson()).isEqualTo("{\"b\":\"2\",\"a\":\"1\"}");
        assertThat(record.traceparent()).isEqualTo("00-aa-bb-01");
        assertThat(record.correlationId()).isEqualTo("corr");
    }

    private EventRecord assemble(OutboxEvent event) {
        return assembler.assemble(event, "corr", TraceContext.NONE, () -> "Shop.place(Order)");
    }
}
