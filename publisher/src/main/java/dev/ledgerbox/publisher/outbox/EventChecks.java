package dev.ledgerbox.publisher.outbox;

import dev.ledgerbox.outbox.spi.TraceContext;
import dev.ledgerbox.publisher.spi.ClaimedEvent;

/**
 * What every event must satisfy before any sink sees it. The framework's writer never produces
 * anything else; rows inserted by hand or by other programs may. A failing event is dead at once,
 * with the reason: retrying cannot mend it.
 */
final class EventChecks {

    private EventChecks() {}

    /** The problem with the event, or null when it is well-formed. */
    static String problem(ClaimedEvent e) {
        if (e.type() == null || e.type().isBlank()) {
            return "malformed event: its type is blank";
        }
        if (e.aggregateType() == null
                || e.aggregateType().isBlank()
                || e.aggregateId() == null
                || e.aggregateId().isBlank()) {
            return "malformed event: its aggregate type or id is blank";
        }
        if (e.payloadJson() == null || e.payloadJson().equals("null")) {
            return "malformed event: its payload is JSON null";
        }
        if (e.headersJson() == null || !e.headersJson().startsWith("{")) {
            return "malformed event: its headers are not a JSON object";
        }
        if (!TraceContext.wellFormed(e.traceparent())) {
            return "malformed event: its traceparent is not a W3C trace context";
        }
        return null;
    }
}
