package dev.ledgerbox.outbox.spi;

import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.regex.Pattern;

/**
 * A W3C trace context ({@code traceparent}, {@code tracestate}), stored whole with an event so
 * that the publisher can continue the trace. Baggage is never captured: it may hold internal data
 * that must not reach a webhook receiver. Immutable.
 *
 * <p>Without an OpenTelemetry SDK there is no valid span and {@link #current()} is {@link #NONE}.
 */
public record TraceContext(String traceparent, String tracestate) {

    public static final TraceContext NONE = new TraceContext(null, null);

    private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");

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

    /** Whether {@code traceparent} is absent or a well-formed W3C {@code traceparent}. */
    public static boolean wellFormed(String traceparent) {
        return traceparent == null || TRACEPARENT.matcher(traceparent).matches();
    }

    /** The trace id, when the traceparent is well-formed; else null. */
    public String traceId() {
        return valid() ? traceparent.substring(3, 35) : null;
    }

    /** The parent span id, when the traceparent is well-formed; else null. */
    public String spanId() {
        return valid() ? traceparent.substring(36, 52) : null;
    }

    private boolean valid() {
        return traceparent != null && TRACEPARENT.matcher(traceparent).matches();
    }
}
