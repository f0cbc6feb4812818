package dev.ledgerbox.inbox.internal;

import dev.ledgerbox.inbox.Admission;
import dev.ledgerbox.inbox.Inbound;
import dev.ledgerbox.inbox.InboundRequest;
import dev.ledgerbox.inbox.Reception;
import dev.ledgerbox.outbox.Correlation;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import java.io.ByteArrayInputStream;
import java.lang.reflect.Method;
import java.time.Duration;
import org.slf4j.MDC;

/**
 * The JAX-RS chokepoint of {@link Inbound} resource methods: before the method (and before
 * authentication filters, which may read the body), the request is admitted by the inbox, which
 * captures it and either answers it at once (a rejection, a duplicate, 409, 202, 503) or lets the
 * method run with the body exactly as received and the message's correlation id current; after
 * it, the response is recorded with the message.
 */
@Provider
@Inbound
@ApplicationScoped
@Priority(Priorities.AUTHENTICATION - 500)
public class InboundFilter implements ContainerRequestFilter, ContainerResponseFilter {

    static final String ADMISSION = "ledgerbox.inbox.admission";
    private static final String STARTED = "ledgerbox.inbox.started";
    private static final String SCOPE = "ledgerbox.inbox.correlation";

    @Inject
    InboxService inbox;

    @Context
    ResourceInfo resource;

    @Context
    HttpServletRequest servletRequest;

    private final Jsonb jsonb = JsonbBuilder.create();

    @Override
    public void filter(ContainerRequestContext request) {
        Method method = resource.getResourceMethod();
        Inbound inbound = method.getAnnotation(Inbound.class);
        if (inbound == null) {
            inbound = resource.getResourceClass().getAnnotation(Inbound.class);
        }
        InboundRequest.Builder captured = InboundRequest.builder(inbound.source())
                .headers(request.getHeaders())
                .body(request.getEntityStream())
                .origin(resource.getResourceClass().getSimpleName() + "." + method.getName());
        if (servletRequest != null) {
            captured.remoteAddress(servletRequest.getRemoteAddr());
        }
        Admission admission = inbox.admit(captured.build());
        if (admission.answer() != null) {
            request.abortWith(answer(admission.answer()));
            return;
        }
        request.setEntityStream(new ByteArrayInputStream(admission.message().body()));
        request.setProperty(ADMISSION, admission);
        request.setProperty(STARTED, System.nanoTime());
        String correlation = admission.message().correlationId();
        if (Correlation.isAcceptable(correlation)) {
            request.setProperty(SCOPE, Correlation.open(correlation));
        }
        MDC.put("inbox_message_id", Long.toString(admission.message().id()));
        InboundInterceptor.THROWN.remove();
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        Object admitted = request.getProperty(ADMISSION);
        if (!(admitted instanceof Admission admission)) {
            return;
        }
        request.removeProperty(ADMISSION);
        try {
            long started = (Long) request.getProperty(STARTED);
            Throwable thrown = InboundInterceptor.THROWN.get();
            inbox.complete(
                    admission,
                    response.getStatus(),
                    body(response.getEntity()),
                    thrown,
                    Duration.ofNanos(System.nanoTime() - started));
        } finally {
            InboundInterceptor.THROWN.remove();
            MDC.remove("inbox_message_id");
            if (request.getProperty(SCOPE) instanceof Correlation.Scope scope) {
                scope.close();
            }
        }
    }

    private String body(Object entity) {
        if (entity == null) {
            return null;
        }
        if (entity instanceof String text) {
            return text;
        }
        try {
            return jsonb.toJson(entity);
        } catch (RuntimeException e) {
            return String.valueOf(entity);
        }
    }

    private static Response answer(Reception r) {
        String body = r.body() == null ? "" : r.body();
        boolean json = body.startsWith("{") || body.startsWith("[");
        Response.ResponseBuilder b = Response.status(r.status())
                .entity(body)
                .type(json ? MediaType.APPLICATION_JSON_TYPE : MediaType.TEXT_PLAIN_TYPE);
        r.headers().forEach(b::header);
        if (r.messageId() != null) {
            b.header("Ledgerbox-Inbox-Message", r.messageId());
        }
        return b.build();
    }
}
