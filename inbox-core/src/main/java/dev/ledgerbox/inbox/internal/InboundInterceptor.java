package dev.ledgerbox.inbox.internal;

import dev.ledgerbox.inbox.Inbound;
import jakarta.annotation.Priority;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;

/**
 * Around an {@link Inbound} resource method, outside its transaction: remembers what it threw, so
 * that the message records the exception's class and message and not only the status an exception
 * mapper made of it.
 */
@Inbound
@Interceptor
@Priority(Interceptor.Priority.PLATFORM_BEFORE + 100)
public class InboundInterceptor {

    static final ThreadLocal<Throwable> THROWN = new ThreadLocal<>();

    @AroundInvoke
    Object remember(InvocationContext call) throws Exception {
        try {
            return call.proceed();
        } catch (Exception | Error e) {
            THROWN.set(e);
            throw e;
        }
    }
}
