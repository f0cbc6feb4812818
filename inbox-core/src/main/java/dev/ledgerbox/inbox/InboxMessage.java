package dev.ledgerbox.inbox;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/**
 * One captured message as its handler sees it: the body exactly as received, the headers as
 * stored (credentials redacted), and where it stands.
 *
 * @param id the capture's row id ({@code inbox_message.id})
 * @param attempt which processing attempt this is (1 for the first)
 * @param replayId the replay that asked for this run, or null
 */
public record InboxMessage(
        long id,
        String source,
        String idempotencyKey,
        byte[] body,
        String contentType,
        Map<String, String> headers,
        String correlationId,
        Instant receivedAt,
        int attempt,
        Long replayId) {

    /** The body decoded as UTF-8. */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** A stored header (lower-case name), or null. */
    public String header(String name) {
        return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }
}
