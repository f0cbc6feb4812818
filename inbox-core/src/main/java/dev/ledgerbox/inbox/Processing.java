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

    /** How a run ended: the handler's result, or what it threw. */
    record Result(HandlerResult handled, Exception error, Instant finishedAt, long millis) {

        boolean invalid() {
            return error instanceof InvalidPayloadException;
        }

        String status() {
            return handled != null ? "PROCESSED" : invalid() ? "INVALID" : "FAILED";
        }

        int answer() {
            return handled != null ? handled.status() : invalid() ? 400 : 500;
        }

        String body() {
            if (handled != null) {
                return handled.body();
            }
            return invalid() ? error.getMessage() : "the message was stored but its processing failed";
        }

        /** The row's new state; {@code retryAt} for a failure the background retries (null: not retried). */
        InboxStore.Finished finished(long id, Instant retryAt) {
            return new InboxStore.Finished(
                    id,
                    status(),
                    finishedAt,
                    millis,
                    answer(),
                    body(),
                    handled == null ? null : handled.outcome(),
                    error == null ? null : error.getClass().getName(),
                    error == null ? null : String.valueOf(error.getMessage()),
                    retryAt);
        }

        Reception reception(long id) {
            Disposition d =
                    handled != null ? Disposition.PROCESSED : invalid() ? Disposition.REJECTED : Disposition.FAILED;
            return new Reception(d, answer(), body(), Map.of(), id);
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
        return new Result(handled, error, clock.instant(), millis);
    }
}
