package dev.ledgerbox.outbound;

import dev.ledgerbox.outbox.spi.Redaction;
import dev.ledgerbox.publisher.spi.NetworkErrors;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One wire-level attempt of an {@link OutboundCall}, begun by a transport just before the request
 * goes out ({@link OutboundCapture#begin}) and ended once, when the response came back ({@link
 * #responded}) or when none did ({@link #failed}); later endings are ignored. The transport adds
 * {@link #headers()} to the request it sends.
 *
 * <p>Thread-safe: the ending may come from another thread than the beginning.
 */
public final class OutboundAttempt {

    private final OutboundCapture capture;
    private final OutboundCall call;
    private final OutboundDestination destination;
    private final int number;
    private final Map<String, String> headers;
    private final OutboundRequest request;
    private final String idempotencyKey;
    private final String origin;
    private final String traceId;
    private final String spanId;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile AttemptRow row;
    private volatile long startedNanos;

    OutboundAttempt(
            OutboundCapture capture,
            OutboundCall call,
            OutboundDestination destination,
            int number,
            Map<String, String> headers,
            OutboundRequest request,
            String idempotencyKey,
            String origin,
            String traceId,
            String spanId) {
        this.capture = capture;
        this.call = call;
        this.destination = destination;
        this.number = number;
        this.headers = headers;
        this.request = request;
        this.idempotencyKey = idempotencyKey;
        this.origin = origin;
        this.traceId = traceId;
        this.spanId = spanId;
        this.startedNanos = System.nanoTime();
    }

    /**
     * Writes the request line and queues the request's row, with the body as it goes on the wire
     * ({@code null} when there is none or it cannot be seen). Once; later calls are ignored.
     */
    public synchronized void sent(byte[] body) {
        if (row == null) {
            row = capture.announce(this, body);
            startedNanos = System.nanoTime();
        }
    }

    /** Headers Ledgerbox adds to the request (the idempotency key where the destination takes one). */
    public Map<String, String> headers() {
        return headers;
    }

    public OutboundCall call() {
        return call;
    }

    /** 1 for the call's first attempt, then 2, 3, … */
    public int number() {
        return number;
    }

    OutboundRequest request() {
        return request;
    }

    /** The request's row; announced without a body if the transport never said it was sent. */
    AttemptRow row() {
        sent(null);
        return row;
    }

    String idempotencyKey() {
        return idempotencyKey;
    }

    String origin() {
        return origin;
    }

    String traceId() {
        return traceId;
    }

    String spanId() {
        return spanId;
    }

    OutboundDestination destination() {
        return destination;
    }

    /** Whether it has its outcome already. */
    public boolean ended() {
        return ended.get();
    }

    /**
     * Records the response.
     *
     * @param headers the response headers (several values of one header are joined)
     * @param body the body as far as it was read, or {@code null}
     * @param complete {@code false} when the body was not read to its end
     */
    public void responded(int status, Map<String, List<String>> headers, byte[] body, boolean complete) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        Map<String, String> joined = new LinkedHashMap<>();
        headers.forEach((name, values) -> {
            if (name != null) {
                joined.put(name.toLowerCase(Locale.ROOT), String.join(", ", values));
            }
        });
        capture.ended(this, Outcome.response(status, joined, body, complete), System.nanoTime() - startedNanos);
    }

    /** Records that no response came back: refused, timed out, reset, closed before a status line. */
    public void failed(Throwable error) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        capture.ended(this, Outcome.error(error), System.nanoTime() - startedNanos);
    }

    /** How an attempt ended: a response, or an error and no response. */
    record Outcome(
            Integer status,
            Map<String, String> headers,
            byte[] body,
            boolean complete,
            String errorClass,
            String errorMessage,
            String errorCode) {

        static Outcome response(int status, Map<String, String> headers, byte[] body, boolean complete) {
            return new Outcome(status, headers, body, complete, null, null, null);
        }

        static Outcome error(Throwable error) {
            Throwable root = NetworkErrors.root(error);
            String message = root.getMessage() == null ? error.getMessage() : root.getMessage();
            return new Outcome(
                    null,
                    null,
                    null,
                    true,
                    root.getClass().getName(),
                    Redaction.text(message),
                    NetworkErrors.code(error));
        }

        String error() {
            if (errorClass == null) {
                return null;
            }
            String simple = errorClass.substring(errorClass.lastIndexOf('.') + 1);
            return errorMessage == null ? simple : simple + ": " + errorMessage;
        }
    }
}
