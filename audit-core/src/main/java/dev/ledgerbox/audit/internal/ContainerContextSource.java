package dev.ledgerbox.audit.internal;

import dev.ledgerbox.audit.AuditActor;
import dev.ledgerbox.audit.AuditActorProvider;
import dev.ledgerbox.outbox.spi.TransactionContext;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.security.Principal;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import javax.naming.InitialContext;
import javax.naming.NamingException;

/**
 * The context in a Jakarta EE container: the correlation id shared with the outbox through the
 * JTA transaction, the action of the outermost {@code @AuditAction}, the actor from the
 * application's {@link AuditActorProvider} or the container's caller principal, and the id of
 * the transaction's first outbox event.
 */
final class ContainerContextSource extends ContextSource {

    private static final Set<String> ANONYMOUS = Set.of("UNAUTHENTICATED", "ANONYMOUS", "GUEST");

    private volatile TransactionSynchronizationRegistry transactions;
    /** Looked up once: the listener, like the session factory, belongs to one application. */
    private volatile Instance<AuditActorProvider> providers;

    private volatile Instance<Principal> principals;

    @Override
    UUID outboxEventId() {
        return transaction().flatMap(TransactionContext::firstEventId).orElse(null);
    }

    @Override
    String correlationId() {
        return transaction().map(TransactionContext::correlationId).orElseGet(super::correlationId);
    }

    @Override
    String traceId() {
        String current = super.traceId();
        return current != null
                ? current
                : transaction().map(t -> t.trace().traceId()).orElse(null);
    }

    @Override
    String transactionAction(String threadAction) {
        return transaction()
                .flatMap(TransactionContext::action)
                .map(TransactionContext.Action::name)
                .orElse(threadAction);
    }

    @Override
    String transactionReason(String threadAction, String threadReason) {
        return transaction()
                .flatMap(TransactionContext::action)
                .map(TransactionContext.Action::reason)
                .orElse(threadReason);
    }

    private Optional<TransactionContext> transaction() {
        return TransactionContext.of(transactions());
    }

    @Override
    AuditActor actorOf(Principal principal) {
        Principal caller = principal != null ? principal : callerPrincipal();
        if (caller != null) {
            String name = nameOf(caller);
            if (name == null || name.isBlank() || ANONYMOUS.contains(name.toUpperCase(Locale.ROOT))) {
                caller = null;
            }
        }
        try {
            if (providers == null) {
                providers = CDI.current().select(AuditActorProvider.class);
            }
            if (providers.isResolvable()) {
                return providers.get().actor(caller).orElse(null);
            }
        } catch (IllegalStateException e) {
            // no CDI container for this thread: fall back to the principal's name
        }
        return super.actorOf(caller);
    }

    /** The principal's name; null when the container's principal proxy has no caller behind it. */
    private static String nameOf(Principal principal) {
        try {
            return principal.getName();
        } catch (RuntimeException e) {
            return null; // e.g. Weld's built-in Principal bean outside a secured call
        }
    }

    private Principal callerPrincipal() {
        try {
            if (principals == null) {
                principals = CDI.current().select(Principal.class);
            }
            return principals.isResolvable() ? principals.get() : null;
        } catch (RuntimeException e) {
            return null; // no request or no security context: no caller
        }
    }

    private TransactionSynchronizationRegistry transactions() {
        TransactionSynchronizationRegistry tsr = transactions;
        if (tsr == null) {
            try {
                tsr = InitialContext.doLookup("java:comp/TransactionSynchronizationRegistry");
                transactions = tsr;
            } catch (NamingException e) {
                return null;
            }
        }
        return tsr;
    }
}
