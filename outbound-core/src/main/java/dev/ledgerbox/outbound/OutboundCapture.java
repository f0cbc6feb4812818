package dev.ledgerbox.outbound;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ledgerbox.outbox.Correlation;
import dev.ledgerbox.outbox.spi.Redaction;
import dev.ledgerbox.publisher.spi.BoundaryLine;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Records every wire-level attempt of the application's own calls to third parties: a request
 * record before the call and a response record after it (or the error when no response came back),
 * as rows of {@code outbound_attempt} and as {@code boundary_audit} lines on logger {@code
 * ledgerbox.outbound}. The lines are written on the caller's thread; the rows are written in
 * batches by a background writer, outside any business transaction (a rolled-back transaction
 * keeps the evidence of a call that went out), and the caller never waits for the database: when it
 * is unreachable the call still proceeds and its lines are still written.
 *
 * <p>Transports call {@link #begin}: {@link CapturingHttpClient} for {@code java.net.http}, {@link
 * OutboundClientFilter} for Jakarta REST and MicroProfile Rest Client. Callers group attempts into
 * one logical call with {@link #call(String, String)}, or with {@code @Outbound} in a container.
 *
 * <pre>{@code
 * OutboundCapture capture = OutboundCapture.builder(dataSource)
 *         .destination(OutboundDestination.named("payments").idempotencyHeader("Idempotency-Key"))
 *         .build();
 * HttpClient http = new CapturingHttpClient(HttpClient.newHttpClient(), capture, "payments");
 * try (OutboundCall call = capture.call("payments.charges.create", "order-42")) {
 *     http.send(request, BodyHandlers.ofString());
 * }
 * }</pre>
 *
 * <p>Thread-safe. Calls and the attempt waiting for its response are held per thread.
 */
public final class OutboundCapture implements AutoCloseable {

    /** The {@code audit} field of its {@code boundary_audit} lines. */
    public static final String KIND = "outbound_attempt";

    private static final Logger AUDIT = LoggerFactory.getLogger("ledgerbox.outbound");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<OutboundDestination> destinations;
    private final OutboundDestination fallback = OutboundDestination.named("default");
    private final Clock clock;
    private final int bodyMax;
    private final AttemptWriter writer;
    private final ThreadLocal<OutboundCall> calls = new ThreadLocal<>();
    private final ThreadLocal<OutboundAttempt> open = new ThreadLocal<>();

    private OutboundCapture(Builder b) {
        List<OutboundDestination> sorted = new ArrayList<>(b.destinations.values());
        sorted.sort(Comparator.comparingInt((OutboundDestination d) -> d.name().length())
                .reversed());
        this.destinations = List.copyOf(sorted);
        this.clock = b.clock;
        this.bodyMax = b.bodyMax;
        this.writer = new AttemptWriter(b.dataSource, b.queueCapacity, b.batchSize, b.threads);
    }

    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    /**
     * Opens a logical call on this thread until it is closed: its attempts share a correlation id,
     * {@code destination:key}, and are numbered from 1.
     *
     * @param destination what is called, e.g. {@code payments.charges.create}
     * @param key the business key (e.g. {@code order-42}); {@code null} for a generated correlation id
     * @throws IllegalArgumentException naming the bad destination or key
     */
    public OutboundCall call(String destination, String key) {
        OutboundDestination.checkName(destination);
        if (key != null && (key.isBlank() || key.length() > 255 || key.chars().anyMatch(Character::isISOControl))) {
            throw new IllegalArgumentException("an outbound call key is 1 to 255 characters without control"
                    + " characters, got '" + key + "' for destination " + destination);
        }
        OutboundCall call = new OutboundCall(this, calls.get(), destination, key);
        calls.set(call);
        return call;
    }

    /** Opens a logical call with a generated correlation id: {@link #call(String, String)} without a key. */
    public OutboundCall call(String destination) {
        return call(destination, null);
    }

    /** The logical call open on this thread, if any. */
    public Optional<OutboundCall> currentCall() {
        return Optional.ofNullable(calls.get());
    }

    /**
     * Begins an attempt: writes its request line, queues its row, and returns it; the transport adds
     * {@link OutboundAttempt#headers()} to the request and ends the attempt when the response (or
     * the error) comes. Outside an open call the attempt is a call of its own, to {@code
     * destination} (or to the URL's host when that is {@code null}).
     */
    public OutboundAttempt begin(OutboundRequest request, String destination) {
        OutboundAttempt attempt = prepare(request, destination);
        attempt.sent(request.body());
        return attempt;
    }

    /**
     * Begins an attempt whose body is not known yet (a client serializes it after its filters ran):
     * the transport adds {@link OutboundAttempt#headers()} to the request, then calls {@link
     * OutboundAttempt#sent} with the body's bytes, which writes the request line and queues the row.
     */
    public OutboundAttempt prepare(OutboundRequest request, String destination) {
        Objects.requireNonNull(request, "request");
        OutboundAttempt previous = open.get();
        if (previous != null && !previous.ended()) {
            previous.failed(new IllegalStateException("no response was recorded before the next attempt began"));
        }
        OutboundCall call = calls.get();
        if (call == null) {
            String name = destination != null
                            && OutboundDestination.NAME.matcher(destination).matches()
                    ? destination
                    : String.valueOf(request.uri().getHost());
            call = new OutboundCall(this, null, name, null);
        }
        OutboundDestination config = configOf(call.destination());
        Map<String, String> added = new LinkedHashMap<>();
        String idempotencyKey = null;
        if (config.idempotencyHeader() != null) {
            idempotencyKey = request.header(config.idempotencyHeader());
            if (idempotencyKey == null) {
                idempotencyKey = call.correlationId();
                added.put(config.idempotencyHeader(), idempotencyKey);
            }
        }
        String origin = Correlation.current().orElse(MDC.get("correlation_id"));
        SpanContext span = Span.current().getSpanContext();
        OutboundAttempt attempt = new OutboundAttempt(
                this,
                call,
                config,
                call.nextAttempt(),
                Map.copyOf(added),
                request,
                idempotencyKey,
                origin,
                span.isValid() ? span.getTraceId() : null,
                span.isValid() ? span.getSpanId() : null);
        open.set(attempt);
        return attempt;
    }

    /** The request line and row of an attempt, once its body is known. */
    AttemptRow announce(OutboundAttempt attempt, byte[] requestBody) {
        OutboundRequest request = attempt.request();
        OutboundCall call = attempt.call();
        OutboundDestination config = attempt.destination();
        Map<String, String> sent = new LinkedHashMap<>(request.headers());
        sent.putAll(attempt.headers());
        String headers = json(safeHeaders(sent, config)); // encoded once, for the row and the line
        Bodies.Rendered body =
                Bodies.render(requestBody, request.header("content-type"), config.redactedFields(), bodyMax);
        String url = safeUrl(request.uri());
        AttemptRow row = new AttemptRow(new AttemptRow.Request(
                Ids.timeOrdered(),
                call.correlationId(),
                call.id(),
                call.destination(),
                call.key(),
                attempt.number(),
                request.transport(),
                request.method(),
                url,
                headers,
                body == null ? null : body.text(),
                body == null ? null : body.sha256(),
                body == null ? null : body.bytes(),
                body != null && body.truncated(),
                attempt.idempotencyKey(),
                clock.instant(),
                attempt.origin(),
                attempt.traceId(),
                attempt.spanId()));
        BoundaryLine.request(AUDIT, KIND, attempt.number(), call.destination(), request.method(), url)
                .with("correlation_id", call.correlationId())
                .with("call_key", call.key())
                .with("idempotency_key", attempt.idempotencyKey())
                .with("transport", request.transport())
                .withJson("request_headers", headers)
                .with("body", body == null ? null : body.text())
                .with("body_sha256", body == null ? null : body.sha256())
                .with("body_bytes", body == null ? null : body.bytes())
                .with("body_truncated", body != null && body.truncated())
                .with("origin", origin(attempt.origin(), attempt.traceId(), attempt.spanId()))
                .log();
        writer.offer(row);
        return row;
    }

    /** Ends this thread's attempt that still waits for its response with {@code error}. */
    public void failOpenAttempt(Throwable error) {
        OutboundAttempt attempt = open.get();
        if (attempt != null) {
            attempt.failed(error);
        }
    }

    void ended(OutboundAttempt attempt, OutboundAttempt.Outcome outcome, long nanos) {
        if (open.get() == attempt) {
            open.remove();
        }
        AttemptRow requested = attempt.row();
        AttemptRow.Request request = requested.request();
        OutboundDestination config = attempt.destination();
        Map<String, String> headers = outcome.headers() == null ? null : safeHeaders(outcome.headers(), config);
        Bodies.Rendered body = outcome.body() == null
                ? null
                : Bodies.render(
                        outcome.body(),
                        outcome.headers() == null ? null : outcome.headers().get("content-type"),
                        config.redactedFields(),
                        bodyMax);
        String providerId = config.requestIdHeader() == null || outcome.headers() == null
                ? null
                : outcome.headers().get(config.requestIdHeader().toLowerCase(Locale.ROOT));
        int millis = (int) Math.min(Integer.MAX_VALUE, Duration.ofNanos(nanos).toMillis());
        boolean truncated = body != null && (body.truncated() || !outcome.complete());
        AttemptRow row = requested.ended(new AttemptRow.Response(
                clock.instant(),
                millis,
                outcome.status(),
                headers == null ? null : json(headers),
                body == null ? null : body.text(),
                outcome.status() == null ? null : truncated,
                providerId,
                outcome.errorClass(),
                outcome.errorMessage(),
                outcome.errorCode()));
        BoundaryLine.response(
                        AUDIT,
                        KIND,
                        request.attempt(),
                        request.destination(),
                        request.method(),
                        request.url(),
                        outcome.status(),
                        millis,
                        outcome.error(),
                        outcome.errorCode())
                .with("correlation_id", request.correlationId())
                .with("call_key", request.callKey())
                .with("transport", request.transport())
                .with("body", body == null ? null : body.text())
                .with("body_truncated", outcome.status() == null ? null : truncated)
                .with("provider_request_id", providerId)
                .with("origin", origin(request.originCorrelationId(), request.traceId(), request.spanId()))
                .log();
        writer.offer(row);
    }

    void end(OutboundCall call) {
        OutboundAttempt attempt = open.get();
        if (attempt != null && attempt.call() == call) {
            attempt.failed(new IllegalStateException("the call ended before this attempt's response was recorded"));
        }
        if (calls.get() == call) {
            if (call.outer() == null) {
                calls.remove();
            } else {
                calls.set(call.outer());
            }
        }
    }

    /**
     * Waits until every row queued so far is written (or dropped): for tests and for a graceful
     * stop.
     *
     * @return {@code false} when the timeout passed first
     */
    public boolean flush(Duration timeout) throws InterruptedException {
        return writer.flush(timeout);
    }

    /** Rows dropped because the writer's queue was full. */
    public long droppedRows() {
        return writer.dropped();
    }

    /** The configuration that applies to calls to {@code destination}. */
    public OutboundDestination configOf(String destination) {
        for (OutboundDestination d : destinations) {
            if (d.covers(destination)) {
                return d;
            }
        }
        return fallback;
    }

    /** Writes the rows still queued (for up to ten seconds), then stops the writer. */
    @Override
    public void close() throws InterruptedException {
        writer.close();
    }

    private static Map<String, String> safeHeaders(Map<String, String> headers, OutboundDestination config) {
        Map<String, String> out = new LinkedHashMap<>();
        headers.forEach((name, value) -> {
            boolean secret =
                    Redaction.secretHeader(name) || config.redactedHeaders().contains(name.toLowerCase(Locale.ROOT));
            out.put(name, secret ? Redaction.REDACTED : Redaction.text(value));
        });
        return out;
    }

    /** The URL with the values of query parameters that carry credentials redacted. */
    static String safeUrl(URI uri) {
        String query = uri.getRawQuery();
        String text = uri.toString();
        if (query == null || query.isEmpty()) {
            return text;
        }
        StringBuilder safe = new StringBuilder();
        for (String pair : query.split("&", -1)) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            safe.append(safe.length() == 0 ? "" : "&");
            if (eq >= 0 && secretParameter(name)) {
                safe.append(pair, 0, eq + 1).append(Redaction.REDACTED);
            } else {
                safe.append(pair);
            }
        }
        int at = text.indexOf('?');
        int hash = text.indexOf('#', at);
        return text.substring(0, at + 1) + safe + (hash < 0 ? "" : text.substring(hash));
    }

    private static boolean secretParameter(String name) {
        String n = name.toLowerCase(Locale.ROOT).replace('_', '-');
        return Redaction.secretHeader(n) || n.equals("key") || n.equals("sig") || n.equals("signature");
    }

    private static Map<String, String> origin(String correlationId, String traceId, String spanId) {
        Map<String, String> origin = new LinkedHashMap<>();
        origin.put("correlation_id", correlationId);
        origin.put("trace_id", traceId);
        origin.put("span_id", spanId);
        return origin;
    }

    private static String json(Map<String, String> map) {
        try {
            return JSON.writeValueAsString(map);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Builds an {@link OutboundCapture}; validates as it goes. */
    public static final class Builder {
        private final DataSource dataSource;
        private final Map<String, OutboundDestination> destinations = new LinkedHashMap<>();
        private Clock clock = Clock.systemUTC();
        private int bodyMax = 64 * 1024;
        private int queueCapacity = 10_000;
        private int batchSize = 500;
        private ThreadFactory threads = Thread::new;

        private Builder(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        }

        /** Configures a destination; a later one of the same name replaces an earlier one. */
        public Builder destination(OutboundDestination destination) {
            destinations.put(destination.name(), destination);
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Largest part of a body stored and logged, in characters (default 65,536). */
        public Builder bodyMax(int characters) {
            this.bodyMax = positive("outbound.body-max", characters);
            return this;
        }

        /** Rows that may wait for the writer before new ones are dropped (default 10,000). */
        public Builder queueCapacity(int rows) {
            this.queueCapacity = positive("outbound.queue-capacity", rows);
            return this;
        }

        /** Rows written per statement (default 500). */
        public Builder batchSize(int rows) {
            this.batchSize = positive("outbound.batch-size", rows);
            return this;
        }

        /** Where the writer's thread comes from (a container's managed thread factory). */
        public Builder threadFactory(ThreadFactory threads) {
            this.threads = Objects.requireNonNull(threads, "threads");
            return this;
        }

        /** Starts the writer. */
        public OutboundCapture build() {
            return new OutboundCapture(this);
        }

        private static int positive(String key, int value) {
            if (value < 1) {
                throw new IllegalArgumentException(key + " must be at least 1, got " + value);
            }
            return value;
        }
    }
}
