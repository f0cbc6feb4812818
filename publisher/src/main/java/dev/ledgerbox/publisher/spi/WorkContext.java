package dev.ledgerbox.publisher.spi;

import dev.ledgerbox.outbox.spi.TraceContext;

/**
 * Who a piece of work belongs to, for logs and traces: the engine puts {@code event_id}, {@code
 * correlation_id}, {@code trace_id} and {@code span_id} in the MDC while the work runs, and runs
 * it in a span named {@code spanName} whose parent is the stored trace context.
 *
 * @param eventId the id every attempt of this work shares (the outbox event's id)
 * @param correlationId the business correlation id, or null
 * @param trace the trace context stored with the work ({@link TraceContext#NONE} when none)
 * @param spanName the name of the span the work runs in, e.g. {@code order.created process}
 */
public record WorkContext(String eventId, String correlationId, TraceContext trace, String spanName) {}
