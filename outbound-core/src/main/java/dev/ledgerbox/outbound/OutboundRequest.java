package dev.ledgerbox.outbound;

import java.net.URI;
import java.util.Map;
import java.util.Objects;

/**
 * One request about to go on the wire, as a transport sees it: method, URL, headers (several values
 * of one header joined with {@code ", "}) and the body's bytes ({@code null} when there is none or
 * the transport cannot see it).
 *
 * @param transport which client sends it ({@code jaxrs}, {@code http-client}, or your own name)
 */
public record OutboundRequest(String method, URI uri, Map<String, String> headers, byte[] body, String transport) {

    public OutboundRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(uri, "uri");
        headers = headers == null ? Map.of() : headers;
        Objects.requireNonNull(transport, "transport");
    }

    /** The value of a header, compared without regard to case; {@code null} when absent. */
    public String header(String name) {
        for (Map.Entry<String, String> h : headers.entrySet()) {
            if (h.getKey().equalsIgnoreCase(name)) {
                return h.getValue();
            }
        }
        return null;
    }
}
