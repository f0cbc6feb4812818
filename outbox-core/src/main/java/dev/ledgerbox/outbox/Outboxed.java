package dev.ledgerbox.outbox;

import static java.lang.annotation.ElementType.METHOD;
import static java.lang.annotation.ElementType.TYPE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import jakarta.enterprise.util.Nonbinding;
import jakarta.interceptor.InterceptorBinding;
import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;

/**
 * Writes an outbox event when the annotated EJB or CDI method completes, in the method's JTA
 * transaction.
 *
 * <pre>{@code
 * @Outboxed(type = "order.created", aggregate = "order")
 * public Order place(NewOrder request) { ... }   // payload: the returned Order, id: its @AggregateId or id
 * }</pre>
 *
 * <ul>
 *   <li><b>Payload</b>: the method's return value, or the parameter annotated {@link
 *       EventPayload}.
 *   <li><b>Aggregate id</b>: the parameter annotated {@link AggregateId}; else the property path
 *       {@link #aggregateId()} read on the payload; else the payload's member annotated {@link
 *       AggregateId}; else the payload's {@code id} property.
 *   <li><b>Exceptions</b>: when the method throws, the event is still written if the transaction
 *       is going to commit and the payload is a parameter (an application exception with {@code
 *       rollback = false} keeps the business change, so it keeps the event). If the payload is
 *       the return value there is nothing to write, so the transaction is marked rollback-only:
 *       a business change never commits without its event.
 * </ul>
 *
 * <p>Misuse (blank type, a {@code void} method without {@link EventPayload}, two payload
 * parameters) fails the deployment with a message naming the method.
 */
@Documented
@InterceptorBinding
@Retention(RUNTIME)
@Target({METHOD, TYPE})
public @interface Outboxed {

    /** The event type, e.g. {@code order.created}. */
    @Nonbinding
    String type() default "";

    /** The aggregate type, e.g. {@code order}. */
    @Nonbinding
    String aggregate() default "";

    /**
     * Property path read on the payload to get the aggregate id, e.g. {@code id} or {@code
     * customer.id}. Empty: see the class documentation.
     */
    @Nonbinding
    String aggregateId() default "";

    /** Version of the payload's shape. */
    @Nonbinding
    int schemaVersion() default 1;

    /**
     * Whether the event is numbered and delivered in its aggregate's commit order; {@code false}
     * writes it {@linkplain OutboxEvent.Builder#unordered() unordered}.
     */
    @Nonbinding
    boolean ordered() default true;
}
