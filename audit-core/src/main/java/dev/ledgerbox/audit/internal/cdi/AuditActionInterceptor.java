package dev.ledgerbox.audit.internal.cdi;

import dev.ledgerbox.audit.AuditAction;
import dev.ledgerbox.audit.AuditContext;
import dev.ledgerbox.outbox.spi.TransactionContext;
import jakarta.annotation.Priority;
import jakarta.annotation.Resource;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Applies {@link AuditAction}: the action (and reason) go on the thread's {@link AuditContext}
 * for the call, and onto the JTA transaction when it has none yet, because most changes are
 * flushed at commit, after the method returned. Runs inside {@code @Transactional}'s interceptor,
 * so the transaction is the method's own.
 */
@AuditAction("")
@Interceptor
@Priority(Interceptor.Priority.LIBRARY_BEFORE + 20)
public class AuditActionInterceptor {

    /** Each method's binding, looked up once by reflection, then from this map. */
    private static final Map<Method, Optional<AuditAction>> BINDINGS = new ConcurrentHashMap<>();

    @Resource(lookup = "java:comp/TransactionSynchronizationRegistry")
    TransactionSynchronizationRegistry transactions;

    @AroundInvoke
    public Object around(InvocationContext invocation) throws Exception {
        AuditAction binding = BINDINGS.computeIfAbsent(invocation.getMethod(), m -> Optional.ofNullable(binding(m)))
                .orElse(null);
        if (binding == null) {
            return invocation.proceed();
        }
        String reason = binding.reason().isEmpty() ? null : binding.reason();
        TransactionContext.of(transactions).ifPresent(t -> t.actionIfAbsent(binding.value(), reason));
        AuditContext context = AuditContext.current().withAction(binding.value());
        if (reason != null) {
            context = context.withReason(reason);
        }
        try (AuditContext.Scope scope = context.open()) {
            return invocation.proceed();
        }
    }

    private static AuditAction binding(Method method) {
        AuditAction onMethod = method.getAnnotation(AuditAction.class);
        if (onMethod != null) {
            return onMethod;
        }
        for (Class<?> c = method.getDeclaringClass(); c != null; c = c.getSuperclass()) {
            AuditAction onClass = c.getAnnotation(AuditAction.class);
            if (onClass != null) {
                return onClass;
            }
        }
        return null;
    }
}
