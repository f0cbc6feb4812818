package dev.ledgerbox.outbound.internal;

import dev.ledgerbox.outbound.Outbound;
import dev.ledgerbox.outbound.OutboundCall;
import dev.ledgerbox.outbound.OutboundCapture;
import dev.ledgerbox.outbound.OutboundDestination;
import dev.ledgerbox.outbound.OutboundKey;
import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;

/**
 * Makes an {@link Outbound} method one logical call: opened before MicroProfile Fault Tolerance's
 * interceptors (so that every retry is the next attempt of the same call), or joined when a call is
 * open on the thread already.
 */
@Outbound
@Interceptor
@Priority(Interceptor.Priority.LIBRARY_BEFORE + 100)
public class OutboundCallInterceptor {

    @Inject
    OutboundCapture capture;

    @AroundInvoke
    Object call(InvocationContext context) throws Exception {
        if (capture.currentCall().isPresent()) {
            return context.proceed();
        }
        try (OutboundCall call = capture.call(destination(context.getMethod()), key(context))) {
            return context.proceed();
        }
    }

    /** The declared destination, or {@code Class.method} when none is. */
    static String destination(Method method) {
        String declared = OutboundDestination.declaredOn(method);
        return declared != null ? declared : method.getDeclaringClass().getSimpleName() + "." + method.getName();
    }

    private static String key(InvocationContext context) {
        Annotation[][] parameters = context.getMethod().getParameterAnnotations();
        for (int i = 0; i < parameters.length; i++) {
            for (Annotation a : parameters[i]) {
                if (a instanceof OutboundKey) {
                    Object value = context.getParameters()[i];
                    return value == null ? null : value.toString();
                }
            }
        }
        return null;
    }
}
