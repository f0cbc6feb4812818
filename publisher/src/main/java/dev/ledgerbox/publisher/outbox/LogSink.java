package dev.ledgerbox.publisher.outbox;

import com.fasterxml.jackson.databind.util.RawValue;
import dev.ledgerbox.publisher.spi.ClaimedEvent;
import dev.ledgerbox.publisher.spi.Outcome;
import dev.ledgerbox.publisher.spi.Sink;
import dev.ledgerbox.publisher.spi.Text;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Writes one log line per event (logger {@code ledgerbox.events}; one JSON object per line with
 * the application's {@code logback.xml}), its fields as SLF4J key-value pairs: a
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

    /**
     * A line handed to the application's appenders stays on this machine (a console or file
     * appender; an appender that ships lines over the network belongs behind an asynchronous one,
     * as {@code docs/publisher.md} says under "Sinks").
     */
    @Override
    public boolean local() {
        return true;
    }

    @Override
    public Outcome deliver(ClaimedEvent e) {
        LoggingEventBuilder line = EVENTS.atInfo()
                .setMessage("outbox event published event_type={} event_id={} aggregate_type={}/aggregate_id={}")
                .addArgument(e.type())
                .addArgument(e.id()) // the event_id field comes from the MDC, like the trace ids
                .addArgument(e.aggregateType())
                .addArgument(e.aggregateId())
                .addKeyValue("event_type", e.type())
                .addKeyValue("aggregate_type", e.aggregateType())
                .addKeyValue("aggregate_id", e.aggregateId())
                .addKeyValue("log_version", LOG_VERSION)
                .addKeyValue("schema_version", e.schemaVersion())
                .addKeyValue("aggregate_seq", e.aggregateSeq())
                .addKeyValue("tenant_id", e.tenantId())
                .addKeyValue("occurred_at", e.occurredAt().toString())
                .addKeyValue("attempt", e.attempt())
                .addKeyValue("payload_sha256", Text.sha256(e.payloadJson()));
        if (withPayload) {
            line.addKeyValue("payload", new RawValue(e.payloadJson())); // the JSON itself, not a string of it
        } else {
            line.addKeyValue("payload_logged", false);
        }
        line.log();
        return Outcome.DELIVERED;
    }
}
