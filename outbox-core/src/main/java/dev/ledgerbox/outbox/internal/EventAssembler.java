package dev.ledgerbox.outbox.internal;

import dev.ledgerbox.outbox.InvalidEventException;
import dev.ledgerbox.outbox.OutboxEvent;
import dev.ledgerbox.outbox.spi.TraceContext;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Checks an {@link OutboxEvent} and turns it into an {@link EventRecord}: serialises the payload,
 * enforces the size limit, stamps id and time, attaches correlation and trace context.
 * Thread-safe.
 */
final class EventAssembler {

    private static final String NO_HEADERS = "{}";

    private final PayloadSerializer serializer;
    private final int maxPayloadBytes;
    private final Clock clock;

    public EventAssembler(PayloadSerializer serializer, int maxPayloadBytes, Clock clock) {
        this.serializer = serializer;
        this.maxPayloadBytes = maxPayloadBytes;
        this.clock = clock;
    }

    /**
     * @param origin where the event comes from, for error messages (e.g. {@code
     *     OrderService.place(NewOrder)}); only called when something is wrong
     * @throws InvalidEventException naming the origin, the event type and the problem
     */
    public EventRecord assemble(OutboxEvent event, String correlationId, TraceContext trace, Supplier<String> origin) {
        requireText(event.type(), "type", event, origin);
        requireText(event.aggregateType(), "aggregate type", event, origin);
        if (event.payload() == null) {
            throw invalid(event, origin, "has a null payload", null);
        }
        requireText(event.aggregateId(), "aggregate id", event, origin);
        requireFits(event.type(), "type", event, origin);
        requireFits(event.aggregateType(), "aggregate type", event, origin);
        requireFits(event.aggregateId(), "aggregate id", event, origin);
        requireFits(event.tenantId(), "tenant id", event, origin);
        String json;
        try {
            json = serializer.toJson(event.payload());
        } catch (Exception | StackOverflowError e) {
            throw invalid(
                    event,
                    origin,
                    "has a payload of " + event.payload().getClass().getName() + " that cannot be serialised to JSON: "
                            + e,
                    e);
        }
        int bytes = utf8Length(json);
        if (bytes > maxPayloadBytes) {
            throw invalid(
                    event,
                    origin,
                    "has a payload of " + bytes + " bytes, over the limit of " + maxPayloadBytes
                            + " bytes (outbox.max-payload-bytes)",
                    null);
        }
        Instant now = clock.instant();
        return new EventRecord(
                EventIds.next(now.toEpochMilli()),
                event.aggregateType(),
                event.aggregateId(),
                event.type(),
                json,
                now,
                correlationId,
                trace.traceparent(),
                trace.tracestate(),
                event.tenantId(),
                headersJson(event.headers(), event, origin),
                event.schemaVersion(),
                event.ordered());
    }

    private String headersJson(Map<String, String> headers, OutboxEvent event, Supplier<String> origin) {
        if (headers.isEmpty()) {
            return NO_HEADERS;
        }
        try {
            return serializer.toJson(headers);
        } catch (Exception e) {
            throw invalid(event, origin, "has headers that cannot be serialised: " + e, e);
        }
    }

    private static void requireText(String value, String what, OutboxEvent event, Supplier<String> origin) {
        if (value == null || value.isBlank()) {
            throw invalid(event, origin, "has a blank " + what, null);
        }
    }

    /** The width of the outbox table's varchar columns. */
    static final int MAX_NAME_LENGTH = 255;

    private static void requireFits(String value, String what, OutboxEvent event, Supplier<String> origin) {
        if (value != null && value.length() > MAX_NAME_LENGTH) {
            throw invalid(
                    event,
                    origin,
                    "has an over-long " + what + ": " + value.length() + " characters, the limit is " + MAX_NAME_LENGTH,
                    null);
        }
    }

    private static InvalidEventException invalid(
            OutboxEvent event, Supplier<String> origin, String problem, Throwable cause) {
        String type = event.type() == null || event.type().isBlank() ? "(no type)" : "'" + event.type() + "'";
        return new InvalidEventException(origin.get() + ": outbox event " + type + " " + problem, cause);
    }

    /** Length of the string in UTF-8 without encoding it (a lone surrogate counts as the encoder's '?'). */
    static int utf8Length(String s) {
        int n = s.length();
        int bytes = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (!Character.isSurrogate(c)) {
                bytes += 3;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 1;
            }
        }
        return bytes;
    }
}
