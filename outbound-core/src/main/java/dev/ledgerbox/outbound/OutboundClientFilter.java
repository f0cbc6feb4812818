package dev.ledgerbox.outbound;

import jakarta.annotation.Priority;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.client.ClientResponseContext;
import jakarta.ws.rs.client.ClientResponseFilter;
import jakarta.ws.rs.ext.WriterInterceptor;
import jakarta.ws.rs.ext.WriterInterceptorContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Records every request of a Jakarta REST client (and of a MicroProfile Rest Client, where {@link
 * Outbound} on the interface registers it) through an {@link OutboundCapture}: the request line
 * and row once the body is serialized, just before it goes out, and the response's when it comes
 * back. It runs after the application's own filters (it sees the headers they add) and adds the
 * idempotency key header where the destination takes one.
 *
 * <pre>{@code
 * Client client = ClientBuilder.newClient().register(new OutboundClientFilter(capture, "payments"));
 * }</pre>
 *
 * <p>A request that gets no response raises a {@code ProcessingException} to the caller without
 * passing a response filter: the attempt is ended by {@code @Outbound}'s interceptor, by {@link
 * OutboundCall#attemptFailed}, or when the next attempt or the call begins or ends. The
 * destination of a request outside an open call is its {@code ledgerbox.outbound.destination}
 * property, the {@link Outbound} of the invoked MicroProfile Rest Client method or interface, or
 * the filter's own.
 */
@Priority(Integer.MAX_VALUE - 1000)
public final class OutboundClientFilter implements ClientRequestFilter, ClientResponseFilter, WriterInterceptor {

    /** A request property naming the destination of a request made outside an open call. */
    public static final String DESTINATION = "ledgerbox.outbound.destination";

    private static final String ATTEMPT = OutboundClientFilter.class.getName() + ".attempt";
    private static final String INVOKED_METHOD = "org.eclipse.microprofile.rest.client.invokedMethod";

    private final OutboundCapture capture;
    private final String destination;

    /** In a container: the application's capture, configured by {@code outbound.*} keys. */
    public OutboundClientFilter() {
        this(CDI.current().select(OutboundCapture.class).get(), null);
    }

    public OutboundClientFilter(OutboundCapture capture, String destination) {
        this.capture = capture;
        this.destination = destination;
    }

    @Override
    public void filter(ClientRequestContext request) {
        Map<String, String> headers = new LinkedHashMap<>();
        request.getStringHeaders().forEach((name, values) -> headers.put(name, String.join(", ", values)));
        OutboundAttempt attempt = capture.prepare(
                new OutboundRequest(request.getMethod(), request.getUri(), headers, null, "jaxrs"),
                destinationOf(request));
        attempt.headers().forEach((name, value) -> request.getHeaders().putSingle(name, value));
        request.setProperty(ATTEMPT, attempt);
        if (!request.hasEntity()) {
            attempt.sent(null);
        }
    }

    @Override
    public void aroundWriteTo(WriterInterceptorContext context) throws IOException {
        Object attempt = context.getProperty(ATTEMPT);
        if (!(attempt instanceof OutboundAttempt outbound)) {
            context.proceed();
            return;
        }
        OutputStream wire = context.getOutputStream();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        context.setOutputStream(body);
        context.proceed();
        outbound.sent(body.toByteArray());
        context.setOutputStream(wire);
        body.writeTo(wire);
    }

    @Override
    public void filter(ClientRequestContext request, ClientResponseContext response) throws IOException {
        if (!(request.getProperty(ATTEMPT) instanceof OutboundAttempt attempt)) {
            return;
        }
        byte[] head = null;
        boolean complete = true;
        if (response.hasEntity()) {
            InputStream in = response.getEntityStream();
            head = in.readNBytes(CapturingHttpClient.BODY_READ_MAX);
            int next = head.length < CapturingHttpClient.BODY_READ_MAX ? -1 : in.read();
            if (next < 0) {
                response.setEntityStream(new ByteArrayInputStream(head));
            } else {
                complete = false;
                response.setEntityStream(new SequenceInputStream(
                        new ByteArrayInputStream(head),
                        new SequenceInputStream(new ByteArrayInputStream(new byte[] {(byte) next}), in)));
            }
        }
        Map<String, List<String>> headers = response.getHeaders().entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
        attempt.responded(response.getStatus(), headers, head, complete);
    }

    private String destinationOf(ClientRequestContext request) {
        if (request.getProperty(DESTINATION) instanceof String named) {
            return named;
        }
        if (request.getProperty(INVOKED_METHOD) instanceof Method method) {
            String declared = OutboundDestination.declaredOn(method);
            if (declared != null) {
                return declared;
            }
        }
        return destination;
    }
}
