package dev.ledgerbox.inbox;

import java.util.Map;

/**
 * The answer to one received request, and what became of it.
 *
 * @param messageId the captured row, or null when nothing could be captured (the database was
 *     unreachable: the sender is asked to retry)
 * @param headers headers to answer with, such as {@code Retry-After}
 */
public record Reception(Disposition disposition, int status, String body, Map<String, String> headers, Long messageId) {

    /** What the inbox did with a request. */
    public enum Disposition {
        /** Processed now, in the request: the handler's answer. */
        PROCESSED,
        /** Captured for processing in the background: 202. */
        ACCEPTED,
        /** Already received with this key and processed: the first processing's answer again. */
        DUPLICATE,
        /** Already received with this key and still being processed: 409, retry later. */
        IN_PROGRESS,
        /** The handler failed: 500, the message is kept as failed. */
        FAILED,
        /** Refused and captured: bad signature (401), malformed or invalid (400), too large (413). */
        REJECTED,
        /** Nothing could be captured (the database is unreachable): 503, the sender retries. */
        UNAVAILABLE
    }
}
