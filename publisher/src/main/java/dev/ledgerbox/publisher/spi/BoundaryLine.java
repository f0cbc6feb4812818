package dev.ledgerbox.publisher.spi;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * One {@code boundary_audit} log line: the shape shared by every wire-level attempt that crosses the
 * boundary, the webhooks the publisher sends and the application's own calls to third parties
 * alike. Every line has {@code audit} (what kind of attempt: {@code webhook_attempt}, {@code
 * outbound_attempt}), {@code audit_version}, {@code phase} ({@code request} or {@code response}),
 * {@code attempt}, {@code destination}, {@code method} and {@code url}; a request line adds what
 * was sent, a response line {@code status}, {@code duration_ms}, {@code error} and {@code
 * error_code}. Each kind adds its own fields after these. The line is written on the thread that
 * makes the call, before the request goes out and after the response came back, whatever becomes
 * of the rows.
 *
 * <pre>{@code
 * BoundaryLine.request(LOG, "outbound_attempt", attempt, "payments.charges.create", "POST", url)
 *         .with("correlation_id", correlationId)
 *         .log();
 * }</pre>
 *
 * <p>Not thread-safe: one instance per line.
 */
public final class BoundaryLine {

    /** The version of the fields every {@code boundary_audit} line has. */
    public static final int VERSION = 2;

    private final Logger logger;
    private final String message;
    private final Object[] arguments;
    private final Map<String, Object> fields = new LinkedHashMap<>();

    private BoundaryLine(Logger logger, String message, Object[] arguments) {
        this.logger = logger;
        this.message = message;
        this.arguments = arguments;
    }

    /** The line written before attempt number {@code attempt} of a call goes out. */
    public static BoundaryLine request(
            Logger logger, String kind, int attempt, String destination, String method, String url) {
        BoundaryLine line = new BoundaryLine(
                logger,
                "boundary_audit request phase=request destination={} attempt={} {} {}",
                new Object[] {destination, attempt, method, url});
        return line.common(kind, "request", attempt, destination, method, url);
    }

    /**
     * The line written when attempt number {@code attempt} ended: with a response ({@code status}
     * set) or without one ({@code error} and {@code errorCode} set).
     */
    public static BoundaryLine response(
            Logger logger,
            String kind,
            int attempt,
            String destination,
            String method,
            String url,
            Integer status,
            long durationMillis,
            String error,
            String errorCode) {
        BoundaryLine line = new BoundaryLine(
                logger,
                "boundary_audit response phase=response destination={} attempt={} status={} error={}",
                new Object[] {destination, attempt, status, errorCode});
        return line.common(kind, "response", attempt, destination, method, url)
                .with("status", status)
                .with("duration_ms", durationMillis)
                .with("error", error)
                .with("error_code", errorCode);
    }

    private BoundaryLine common(String kind, String phase, int attempt, String destination, String method, String url) {
        return with("audit", kind)
                .with("audit_version", VERSION)
                .with("phase", phase)
                .with("attempt", attempt)
                .with("destination", destination)
                .with("method", method)
                .with("url", url);
    }

    /** Adds a field; a {@code null} value is written as JSON {@code null}. */
    public BoundaryLine with(String key, Object value) {
        fields.put(key, value);
        return this;
    }

    /**
     * Adds a field whose value is JSON already (an object the caller encoded for its own row):
     * a JSON encoder writes it as it is, without encoding it again; other layouts print the text.
     */
    public BoundaryLine withJson(String key, String json) {
        fields.put(key, json == null ? null : new Json(json));
        return this;
    }

    /** Writes the line at INFO. */
    public void log() {
        LoggingEventBuilder event = logger.atInfo().setMessage(message);
        for (Object argument : arguments) {
            event = event.addArgument(argument);
        }
        for (Map.Entry<String, Object> field : fields.entrySet()) {
            event = event.addKeyValue(field.getKey(), field.getValue());
        }
        event.log();
    }

    /** JSON text that Jackson writes raw; its {@code toString()} is the text. */
    private record Json(String text) implements JsonSerializable {

        @Override
        public void serialize(JsonGenerator generator, SerializerProvider serializers) throws IOException {
            generator.writeRawValue(text);
        }

        @Override
        public void serializeWithType(
                JsonGenerator generator, SerializerProvider serializers, TypeSerializer typeSerializer)
                throws IOException {
            serialize(generator, serializers);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
