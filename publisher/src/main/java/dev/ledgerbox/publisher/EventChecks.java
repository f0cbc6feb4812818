package dev.ledgerbox.publisher;

import java.util.regex.Pattern;

/**
 * What every event must satisfy before any sink sees it. The framework's writer never produces
 * anything else; rows inserted by hand or by other programs may. A failing event is dead at once,
 * with the reason: retrying cannot mend it.
 */
public final class EventChecks {

    private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");

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
        if (e.traceparent() != null && !TRACEPARENT.matcher(e.traceparent()).matches()) {
            return "malformed event: its traceparent is not a W3C trace context";
        }
        return null;
    }

    /** The trace id of a well-formed traceparent, else null. */
    public static String traceId(String traceparent) {
        return traceparent != null && TRACEPARENT.matcher(traceparent).matches() ? traceparent.substring(3, 35) : null;
    }

    /** The parent span id of a well-formed traceparent, else null. */
    public static String spanId(String traceparent) {
        return traceparent != null && TRACEPARENT.matcher(traceparent).matches() ? traceparent.substring(36, 52) : null;
    }
}
