package dev.ledgerbox.outbox.internal;

import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapSetter;

/**
 * The W3C trace context ({@code traceparent}, {@code tracestate}) of the current OpenTelemetry
 * span, stored whole with the event so the publisher can continue the trace. Baggage is never
 * captured: it may hold internal data that must not reach a webhook receiver.
 *
 * <p>Without an OpenTelemetry SDK there is no valid span and both values are null.
 */
public record TraceContext(String traceparent, String tracestate) {

    public static final TraceContext NONE = new TraceContext(null, null);

    private static final TextMapSetter<String[]> SETTER = (carrier, key, value) -> {
        if ("traceparent".equals(key)) {
            carrier[0] = value;
        } else if ("tracestate".equals(key)) {
            carrier[1] = value;
        }
    };

    /** The context of the current span, or {@link #NONE}. */
    public static TraceContext current() {
        String[] carrier = new String[2];
        W3CTraceContextPropagator.getInstance().inject(Context.current(), carrier, SETTER);
        if (carrier[0] == null) {
            return NONE;
        }
        return new TraceContext(carrier[0], carrier[1]);
    }
}
