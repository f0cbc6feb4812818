package dev.ledgerbox.outbound;

import java.time.Instant;
import java.util.UUID;

/**
 * One {@code outbound_attempt} row as the writer stores it: the request's columns, and the
 * response's once the attempt ended. Immutable, so that it can cross to the writer's thread.
 *
 * @param response {@code null} until the attempt ended
 */
record AttemptRow(Request request, Response response) {

    /** The columns written before the call goes out. */
    record Request(
            UUID attemptId,
            String correlationId,
            UUID callId,
            String destination,
            String callKey,
            int attempt,
            String transport,
            String method,
            String url,
            String requestHeaders,
            String requestBody,
            String requestSha256,
            Integer requestBytes,
            boolean requestTruncated,
            String idempotencyKey,
            Instant requestedAt,
            String originCorrelationId,
            String traceId,
            String spanId) {}

    /** The columns of how the attempt ended: a response, or the error when none came back. */
    record Response(
            Instant respondedAt,
            int durationMillis,
            Integer status,
            String responseHeaders,
            String responseBody,
            Boolean responseTruncated,
            String providerRequestId,
            String errorClass,
            String errorMessage,
            String errorCode) {}

    /** The request's row, its response columns empty. */
    AttemptRow(Request request) {
        this(request, null);
    }

    AttemptRow ended(Response response) {
        return new AttemptRow(request, response);
    }

    boolean ended() {
        return response != null;
    }

    UUID attemptId() {
        return request.attemptId();
    }
}
