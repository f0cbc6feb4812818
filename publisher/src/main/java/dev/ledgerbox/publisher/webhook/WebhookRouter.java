package dev.ledgerbox.publisher.webhook;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.ledgerbox.publisher.spi.ClaimedEvent;
import dev.ledgerbox.publisher.spi.Handoff;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Routes delivered outbox events to webhook endpoints, in the transaction that marks them
 * delivered: one message per event (the body every endpoint receives, byte for byte) and one
 * delivery per enabled endpoint whose filters match. Does nothing while the webhook schema is
 * not installed. Thread-safe.
 *
 * <p>The body follows the Standard Webhooks payload shape: {@code {"type": ..., "timestamp":
 * <when the event occurred>, "data": <the payload>}}.
 */
final class WebhookRouter implements Handoff {

    /** Whether the webhook schema is installed (the dispatcher's answer, asked at most once a minute). */
    interface Installed {
        boolean installed() throws SQLException;
    }

    private final Installed installed;
    private final Runnable routed;

    /** {@code routed} runs after a commit that stored deliveries (the dispatcher's wake-up). */
    WebhookRouter(Installed installed, Runnable routed) {
        this.installed = installed;
        this.routed = routed;
    }

    /** Routes the events; after the commit, wakes the dispatcher when deliveries were stored. */
    @Override
    public Runnable handOff(Connection transaction, List<ClaimedEvent> events) throws SQLException {
        if (events.isEmpty() || !installed.installed()) {
            return NOTHING;
        }
        return WebhookStore.route(transaction, events, WebhookRouter::body) > 0 ? routed : NOTHING;
    }

    /** The message body of an event: its exact text is what is signed and sent. */
    static String body(ClaimedEvent e) {
        return "{\"type\":\"" + quote(e.type()) + "\",\"timestamp\":\"" + e.occurredAt() + "\",\"data\":"
                + e.payloadJson() + "}";
    }

    private static String quote(String text) {
        return new String(JsonStringEncoder.getInstance().quoteAsString(text));
    }
}
