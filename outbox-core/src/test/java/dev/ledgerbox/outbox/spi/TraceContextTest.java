package dev.ledgerbox.outbox.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import org.junit.jupiter.api.Test;

class TraceContextTest {

    @Test
    void isEmptyWithoutASpan() {
        assertThat(TraceContext.current()).isEqualTo(TraceContext.NONE);
    }

    @Test
    void capturesTheCurrentSpanButNotBaggage() {
        SpanContext span = SpanContext.create(
                "0af7651916cd43dd8448eb211c80319c",
                "b7ad6b7169203331",
                TraceFlags.getSampled(),
                TraceState.builder().put("vendor", "v1").build());
        Context context = Context.root()
                .with(Span.wrap(span))
                .with(Baggage.builder().put("user.email", "secret@example.com").build());
        try (Scope ignored = context.makeCurrent()) {
            TraceContext captured = TraceContext.current();
            assertThat(captured.traceparent()).isEqualTo("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
            assertThat(captured.tracestate()).isEqualTo("vendor=v1");
        }
    }
}
