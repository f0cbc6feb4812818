package dev.ledgerbox.audit;

import jakarta.enterprise.util.Nonbinding;
import jakarta.interceptor.InterceptorBinding;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the business action of an EJB or CDI method; every audit row written by its transaction
 * carries it in {@code audit_log.action} (and {@link #reason()} in {@code reason}).
 *
 * <p>Changes are usually flushed at commit, after the method has returned, so the action is kept
 * with the transaction: the outermost {@code @AuditAction} of a transaction names the rows flushed
 * at commit; rows flushed while an inner one runs carry the inner one.
 */
@Documented
@Inherited
@InterceptorBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface AuditAction {

    /** The action, such as {@code member.role_changed}. */
    @Nonbinding
    String value();

    /** A fixed reason, stored in {@code audit_log.reason}; none by default. */
    @Nonbinding
    String reason() default "";
}
