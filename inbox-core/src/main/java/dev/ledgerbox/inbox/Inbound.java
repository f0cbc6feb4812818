package dev.ledgerbox.inbox;

import jakarta.enterprise.util.Nonbinding;
import jakarta.interceptor.InterceptorBinding;
import jakarta.ws.rs.NameBinding;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a JAX-RS resource method as the chokepoint of an inbound source: each request is captured
 * in its own committed transaction before the method runs (the raw body, headers redacted, keyed
 * by the source's idempotency key), checked (signature, size, JSON), and answered once per key.
 * The method then runs as the source's handler, in its own business transaction, with the
 * message's correlation id current; its response (or exception) is recorded with the message.
 *
 * <pre>{@code
 * @POST
 * @Path("payments")
 * @Inbound(source = "payments")
 * @Transactional
 * public Response paymentSucceeded(PaymentEvent event) { ... }
 * }</pre>
 *
 * <p>Configure the source with {@code inbox.source.payments.*} keys (see {@link InboxSettings}). For
 * an asynchronous source, and for replays, register an {@link InboundHandler} bean for it.
 */
@NameBinding
@InterceptorBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface Inbound {

    /** The source's name, as in {@code inbox.sources}. */
    @Nonbinding
    String source() default "";
}
