package dev.ledgerbox.publisher.outbox;

import static net.logstash.logback.argument.StructuredArguments.kv;
import static net.logstash.logback.argument.StructuredArguments.raw;

import dev.ledgerbox.publisher.internal.Text;
import dev.ledgerbox.publisher.spi.ClaimedEvent;
import dev.ledgerbox.publisher.spi.Outcome;
import dev.ledgerbox.publisher.spi.Sink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one JSON line per event through logback (logger {@code ledgerbox.events}), with a
 * greppable message, the log format's version, the event's identity and context, and the SHA-256
 * of its canonical payload; the payload itself only when configured. The event, correlation, trace
 * and span ids come from the MDC that the publisher sets around each delivery.
 */
public final class LogSink implements Sink {

    /** The version of this log line's fields; raised when they change incompatibly. */
    public static final int LOG_VERSION = 1;

    private static final Logger EVENTS = LoggerFactory.getLogger("ledgerbox.events");

    private final boolean withPayload;

    public LogSink(boolean withPayload) {
        this.withPayload = withPayload;
    }

    @Override
    public String name() {
        return "log";
    }

    @Override
    public Outcome deliver(ClaimedEvent e) {
        Object payload = withPayload ? raw("payload", e.payloadJson()) : kv("payload_logged", false);
        EVENTS.info(
                "outbox event published {} {} {}/{}",
                kv("event_type", e.type()),
                "event_id=" + e.id(), // the field itself comes from the MDC, like the trace ids
                kv("aggregate_type", e.aggregateType()),
                kv("aggregate_id", e.aggregateId()),
                kv("log_version", LOG_VERSION),
                kv("schema_version", e.schemaVersion()),
                kv("aggregate_seq", e.aggregateSeq()),
                kv("tenant_id", e.tenantId()),
                kv("occurred_at", e.occurredAt().toString()),
                kv("attempt", e.attempt()),
                kv("payload_sha256", Text.sha256(e.payloadJson())),
                payload);
        return Outcome.DELIVERED;
    }
}
