package dev.ledgerbox.inbox;

import dev.ledgerbox.inbox.Reception.Disposition;
import dev.ledgerbox.outbox.Correlation;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.slf4j.MDC;

/**
 * One run of a handler over one message, the same in the request and in the background: with the
 * message's correlation id current (so the handler's rows, events and audit entries carry it) and
 * its id in the MDC. Stateless.
 */
final class Processing {

    private Processing() {}

    /**
     * How a run ended: the row's new status, the answer (status and body), the outcome kept, and
     * what was thrown, if anything.
     */
    record Result(
            String status, int answer, String body, String outcome, Throwable error, Instant finishedAt, long millis) {

        /** From a handler's result or what it threw. */
        static Result of(HandlerResult handled, Exception error, Instant finishedAt, long millis) {
            if (handled != null) {
                return new Result(
                        "PROCESSED", handled.status(), handled.body(), handled.outcome(), null, finishedAt, millis);
            }
            if (error instanceof InvalidPayloadException) {
                return new Result("INVALID", 400, error.getMessage(), null, error, finishedAt, millis);
            }
            return new Result(
                    "FAILED", 500, "the message was stored but its processing failed", null, error, finishedAt, millis);
        }

        /** From an HTTP answer: 2xx processed, 4xx the payload refused (invalid), anything else failed. */
        static Result ofResponse(int status, String body, Throwable error, Instant finishedAt, long millis) {
            String state = status >= 200 && status <= 299
                    ? "PROCESSED"
                    : status >= 400 && status <= 499 ? "INVALID" : "FAILED";
            return new Result(state, status, body, null, error, finishedAt, millis);
        }

        boolean handled() {
            return status.equals("PROCESSED");
        }

        boolean invalid() {
            return status.equals("INVALID");
        }

        /** The row's new state; {@code retryAt} for a failure the background retries (null: not retried). */
        InboxStore.Finished finished(long id, Instant retryAt) {
            return new InboxStore.Finished(
                    id,
                    status,
                    finishedAt,
                    millis,
                    answer,
                    body,
                    outcome,
                    error == null ? null : error.getClass().getName(),
                    error == null ? (handled() ? null : "HTTP " + answer) : String.valueOf(error.getMessage()),
                    retryAt);
        }

        Reception reception(long id) {
            Disposition d = handled() ? Disposition.PROCESSED : invalid() ? Disposition.REJECTED : Disposition.FAILED;
            return new Reception(d, answer, body, Map.of(), id);
        }
    }

    static Result run(InboxMessage message, InboxHandler handler, Clock clock) {
        long started = System.nanoTime();
        HandlerResult handled = null;
        Exception error = null;
        MDC.put("inbox_message_id", Long.toString(message.id()));
        MDC.put("inbox_source", message.source());
        MDC.put("correlation_id", message.correlationId());
        try (Correlation.Scope scope = Correlation.isAcceptable(message.correlationId())
                ? Correlation.open(message.correlationId())
                : () -> {}) {
            handled = handler.handle(message);
            if (handled == null) {
                handled = HandlerResult.ok(null);
            }
        } catch (Exception e) {
            error = e;
        } finally {
            MDC.remove("inbox_message_id");
            MDC.remove("inbox_source");
            MDC.remove("correlation_id");
        }
        long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();
        return Result.of(handled, error, clock.instant(), millis);
    }
}
