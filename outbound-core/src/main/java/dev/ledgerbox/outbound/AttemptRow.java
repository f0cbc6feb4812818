package dev.ledgerbox.outbound;

import java.time.Instant;
import java.util.UUID;

/**
 * One {@code outbound_attempt} row as the writer stores it: the request's columns, and the
 * response's once the attempt ended ({@code respondedAt} set). Immutable, so that it can cross to
 * the writer's thread.
 */
record AttemptRow(
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
        Instant respondedAt,
        Integer durationMillis,
        Integer status,
        String responseHeaders,
        String responseBody,
        Boolean responseTruncated,
        String providerRequestId,
        String errorClass,
        String errorMessage,
        String errorCode,
        String originCorrelationId,
        String traceId,
        String spanId) {

    AttemptRow ended(
            Instant respondedAt,
            int durationMillis,
            Integer status,
            String responseHeaders,
            String responseBody,
            Boolean responseTruncated,
            String providerRequestId,
            String errorClass,
            String errorMessage,
            String errorCode) {
        return new AttemptRow(
                attemptId,
                correlationId,
                callId,
                destination,
                callKey,
                attempt,
                transport,
                method,
                url,
                requestHeaders,
                requestBody,
                requestSha256,
                requestBytes,
                requestTruncated,
                idempotencyKey,
                requestedAt,
                respondedAt,
                durationMillis,
                status,
                responseHeaders,
                responseBody,
                responseTruncated,
                providerRequestId,
                errorClass,
                errorMessage,
                errorCode,
                originCorrelationId,
                traceId,
                spanId);
    }
}
