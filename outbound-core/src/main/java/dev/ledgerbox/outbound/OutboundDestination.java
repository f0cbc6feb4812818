package dev.ledgerbox.outbound;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What Ledgerbox knows of one third party the application calls: under which header it accepts an
 * idempotency key, under which it returns its own request id, and what of the bodies and headers
 * must never be stored or logged. A destination named {@code payments} covers the calls to {@code
 * payments} and to every {@code payments.…} below it ({@code payments.charges.create}); the longest
 * configured name wins.
 *
 * <pre>{@code
 * OutboundDestination.named("payments")
 *         .idempotencyHeader("Idempotency-Key")
 *         .requestIdHeader("Request-Id")
 *         .redactFields("card_number", "email")
 * }</pre>
 *
 * <p>Immutable: each method returns a new destination.
 */
public final class OutboundDestination {

    /** Body fields redacted at every destination: credentials and card data. */
    public static final Set<String> ALWAYS_REDACTED_FIELDS =
            Set.of("password", "secret", "card_number", "cvc", "cvv", "pan", "api_key", "access_token");

    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,254}");
    private static final Pattern HEADER = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}");

    private final String name;
    private final String idempotencyHeader;
    private final String requestIdHeader;
    private final Set<String> redactedFields;
    private final Set<String> redactedHeaders;

    private OutboundDestination(
            String name,
            String idempotencyHeader,
            String requestIdHeader,
            Set<String> redactedFields,
            Set<String> redactedHeaders) {
        this.name = name;
        this.idempotencyHeader = idempotencyHeader;
        this.requestIdHeader = requestIdHeader;
        this.redactedFields = redactedFields;
        this.redactedHeaders = redactedHeaders;
    }

    /**
     * A destination with no idempotency header, no request id header and the default redaction.
     *
     * @throws IllegalArgumentException if the name is not 1 to 255 characters of {@code
     *     [A-Za-z0-9._:/-]} starting with a letter or digit
     */
    public static OutboundDestination named(String name) {
        return new OutboundDestination(checkName(name), null, null, lowered(ALWAYS_REDACTED_FIELDS), Set.of());
    }

    static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("an outbound destination is 1 to 255 characters of [A-Za-z0-9._:/-]"
                    + " starting with a letter or digit, got '" + name + "'");
        }
        return name;
    }

    /**
     * Sends the call's correlation id in this header on every attempt (e.g. {@code Idempotency-Key}),
     * so that the third party deduplicates the retries too.
     */
    public OutboundDestination idempotencyHeader(String header) {
        return new OutboundDestination(name, header(header), requestIdHeader, redactedFields, redactedHeaders);
    }

    /** Keeps the value of this response header (e.g. {@code Request-Id}) in its own column. */
    public OutboundDestination requestIdHeader(String header) {
        return new OutboundDestination(name, idempotencyHeader, header(header), redactedFields, redactedHeaders);
    }

    /**
     * Never stores or logs these body fields (JSON properties at any depth, form fields),
     * compared without regard to case, on top of {@link #ALWAYS_REDACTED_FIELDS}.
     */
    public OutboundDestination redactFields(String... fields) {
        Set<String> all = new TreeSet<>(redactedFields);
        all.addAll(lowered(Set.of(fields)));
        return new OutboundDestination(name, idempotencyHeader, requestIdHeader, Set.copyOf(all), redactedHeaders);
    }

    /** Never stores or logs these headers, on top of credentials (Authorization, Cookie, API keys). */
    public OutboundDestination redactHeaders(String... headers) {
        Set<String> all = new TreeSet<>(redactedHeaders);
        for (String h : headers) {
            all.add(header(h).toLowerCase(Locale.ROOT));
        }
        return new OutboundDestination(name, idempotencyHeader, requestIdHeader, redactedFields, Set.copyOf(all));
    }

    public String name() {
        return name;
    }

    /** The header that carries the idempotency key, or {@code null} when none is sent. */
    public String idempotencyHeader() {
        return idempotencyHeader;
    }

    /** The response header holding the third party's request id, or {@code null}. */
    public String requestIdHeader() {
        return requestIdHeader;
    }

    /** Body fields never stored or logged, lower case. */
    public Set<String> redactedFields() {
        return redactedFields;
    }

    /** Headers never stored or logged besides credentials, lower case. */
    public Set<String> redactedHeaders() {
        return redactedHeaders;
    }

    /**
     * The destination {@link Outbound} names for calls of this method: the method's own, else its
     * class's (or interface's); {@code null} when neither names one.
     */
    public static String declaredOn(java.lang.reflect.Method method) {
        Outbound outbound = method.getAnnotation(Outbound.class);
        if (outbound == null || outbound.value().isEmpty()) {
            outbound = method.getDeclaringClass().getAnnotation(Outbound.class);
        }
        return outbound == null || outbound.value().isEmpty() ? null : outbound.value();
    }

    /** Whether a call to {@code destination} is covered by this one. */
    boolean covers(String destination) {
        return destination.equals(name) || destination.startsWith(name + ".");
    }

    private static String header(String header) {
        if (header == null || !HEADER.matcher(header).matches()) {
            throw new IllegalArgumentException("not an HTTP header name: '" + header + "'");
        }
        return header;
    }

    private static Set<String> lowered(Set<String> fields) {
        Set<String> out = new TreeSet<>();
        for (String f : fields) {
            if (f == null || f.isBlank()) {
                throw new IllegalArgumentException("a redacted field name must not be blank");
            }
            out.add(f.trim().toLowerCase(Locale.ROOT));
        }
        return Set.copyOf(out);
    }

    @Override
    public String toString() {
        return name
                + (idempotencyHeader == null ? "" : " idempotency-header=" + idempotencyHeader)
                + (requestIdHeader == null ? "" : " request-id-header=" + requestIdHeader);
    }
}
