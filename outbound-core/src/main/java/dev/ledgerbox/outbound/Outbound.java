package dev.ledgerbox.outbound;

import jakarta.enterprise.util.Nonbinding;
import jakarta.interceptor.InterceptorBinding;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Captures the calls to a third party. On a MicroProfile Rest Client interface it registers
 * Ledgerbox's {@link OutboundClientFilter}, so that every wire-level attempt of its methods is
 * recorded; on a method of a CDI bean (or of that interface) it makes the method one logical call,
 * whose attempts share a correlation id, {@code destination:key} when a parameter is marked {@link
 * OutboundKey}. Put it outside MicroProfile Fault Tolerance's {@code @Retry} (on the same method is
 * fine: it runs before it) and each retry becomes the next attempt of the one call.
 *
 * <pre>{@code
 * @RegisterRestClient(configKey = "payments")
 * @Outbound("payments")
 * public interface PaymentGateway {
 *     @POST @Path("/v1/charges") Charge charge(ChargeRequest request);
 * }
 *
 * @Outbound("payments.charges.create")
 * @Retry(maxRetries = 3)
 * public Charge charge(@OutboundKey String orderKey, ChargeRequest request) { return gateway.charge(request); }
 * }</pre>
 */
@Inherited
@InterceptorBinding
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface Outbound {

    /** The destination, e.g. {@code payments} or {@code payments.charges.create}; "" for the class's name. */
    @Nonbinding
    String value() default "";
}
