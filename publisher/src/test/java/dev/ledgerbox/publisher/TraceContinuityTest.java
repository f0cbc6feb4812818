package dev.ledgerbox.publisher;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** With an OpenTelemetry SDK, each delivery is a process span in the trace stored with its event. */
class TraceContinuityTest {

    @BeforeEach
    void empty() throws SQLException {
        Events.clear();
    }

    @Test
    void continuesTheStoredTraceAndLogsTheNewSpan() throws Exception {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                        .addSpanProcessor(SimpleSpanProcessor.create(spans))
                        .build())
                .build();
        RecordingSink sink = new RecordingSink();
        UUID id = Events.write("order", "order.created", "1").get(0); // traceparent 0af7...-b7ad...-01
        Publisher publisher = Publisher.builder(Events.db(), Events.settings(Map.of()))
                .sink(sink)
                .telemetry(sdk)
                .listen(false)
                .build();

        publisher.start();
        try {
            Events.await("the event is delivered", () -> !sink.deliveries.isEmpty());
        } finally {
            publisher.close(); // the batch in hand finishes, its span ends
        }

        // the process span of the event (webhook POST spans may come too, for endpoints other tests left)
        SpanData span = spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals("order.created process"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no process span among " + spans.getFinishedSpanItems()));
        sdk.close();
        assertThat(span.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(span.getTraceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
        assertThat(span.getParentSpanId()).isEqualTo("b7ad6b7169203331");
        assertThat(span.getAttributes().asMap().toString()).contains(id.toString());
        assertThat(sink.deliveries.get(0).mdc())
                .containsEntry("trace_id", "0af7651916cd43dd8448eb211c80319c")
                .containsEntry("span_id", span.getSpanId());
    }
}
