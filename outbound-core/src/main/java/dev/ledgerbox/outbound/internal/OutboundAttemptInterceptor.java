package dev.ledgerbox.outbound.internal;

import dev.ledgerbox.outbound.Outbound;
import dev.ledgerbox.outbound.OutboundCapture;
import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;

/**
 * Runs inside MicroProfile Fault Tolerance's interceptors, once per try of an {@link Outbound}
 * method: an exception that ends a try while its wire attempt has no response (refused, timed out,
 * cut) becomes that attempt's error. A client raises these to the caller without passing its
 * response filters.
 */
@Outbound
@Interceptor
@Priority(Interceptor.Priority.PLATFORM_AFTER + 100)
public class OutboundAttemptInterceptor {

    @Inject
    OutboundCapture capture;

    @AroundInvoke
    Object attempt(InvocationContext context) throws Exception {
        try {
            return context.proceed();
        } catch (Exception e) {
            capture.failOpenAttempt(e);
            throw e;
        }
    }
}
