package dev.ledgerbox.audit.internal;

import dev.ledgerbox.audit.AuditActor;
import dev.ledgerbox.audit.AuditContext;
import dev.ledgerbox.outbox.Correlation;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.security.Principal;
import java.util.UUID;

/**
 * Where the context of audit rows comes from. Outside a container: the thread's {@link
 * AuditContext} and {@link Correlation}; {@link ContainerContextSource} adds what the JTA
 * transaction and CDI know.
 */
class ContextSource {

    /** The context of the transaction whose first audited change is being flushed. */
    CapturedContext capture() {
        AuditContext context = AuditContext.current();
        AuditActor actor = context.actor() != null ? context.actor() : actorOf(context.principal());
        return new CapturedContext(
                actor == null ? null : actor.id(),
                actor == null ? null : actor.displayName(),
                actor == null ? null : actor.email(),
                actor == null ? null : actor.tenantId(),
                correlationId(),
                traceId(),
                context.clientIp(),
                context.userAgent(),
                transactionAction(context.action()),
                transactionReason(context.action(), context.reason()));
    }

    /** The first outbox event of the current transaction, when the container knows it. */
    UUID outboxEventId() {
        return null;
    }

    AuditActor actorOf(Principal principal) {
        return principal == null ? null : AuditActor.of(principal.getName());
    }

    String correlationId() {
        return Correlation.current().orElse(null);
    }

    String transactionAction(String threadAction) {
        return threadAction;
    }

    String transactionReason(String threadAction, String threadReason) {
        return threadReason;
    }

    String traceId() {
        SpanContext span = Span.current().getSpanContext();
        return span.isValid() ? span.getTraceId() : null;
    }
}
