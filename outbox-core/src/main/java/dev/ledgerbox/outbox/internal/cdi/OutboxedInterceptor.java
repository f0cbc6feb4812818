package dev.ledgerbox.outbox.internal.cdi;

import dev.ledgerbox.outbox.Outboxed;
import dev.ledgerbox.outbox.internal.OutboxedMethod;
import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes the event of an {@link Outboxed} method. Runs inside the method's transaction: after
 * {@code @Transactional}'s interceptor and, for EJBs, within the container-managed transaction.
 * The method's metadata is worked out once and cached. Thread-safe.
 */
@Outboxed
@Interceptor
@Priority(Interceptor.Priority.LIBRARY_AFTER + 100)
public class OutboxedInterceptor {

    private static final Map<Method, OutboxedMethod> METHODS = new ConcurrentHashMap<>();

    @Inject
    TransactionalOutbox outbox;

    @AroundInvoke
    public Object writeEvent(InvocationContext invocation) throws Exception {
        OutboxedMethod method = METHODS.computeIfAbsent(invocation.getMethod(), OutboxedMethod::of);
        Object result;
        try {
            result = invocation.proceed();
        } catch (Exception e) {
            onException(invocation, method, e);
            throw e;
        }
        outbox.emit(method.event(invocation.getParameters(), result), method::description);
        return result;
    }

    /**
     * The method threw. If its transaction still commits (an application exception with {@code
     * rollback = false}, a checked exception under {@code @Transactional}), its changes commit, so
     * its event must too.
     */
    private void onException(InvocationContext invocation, OutboxedMethod method, Exception thrown) {
        if (!outbox.transactionWillCommit()) {
            return;
        }
        if (!method.payloadFromParameter()) {
            // nothing to write without a return value: refuse to commit the changes without the event
            outbox.markRollbackOnly();
            return;
        }
        try {
            outbox.emit(method.event(invocation.getParameters(), null), method::description);
        } catch (RuntimeException e) {
            thrown.addSuppressed(e);
        }
    }
}
