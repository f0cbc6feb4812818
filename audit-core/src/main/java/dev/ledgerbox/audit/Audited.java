package dev.ledgerbox.audit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a JPA entity whose inserts, updates and deletes leave a row in {@code audit_log}, in the
 * same transaction as the change, with the changed fields' old and new values.
 *
 * <p>Every persistent attribute is audited except the {@code @Version} attribute and those marked
 * {@link AuditIgnore}. Use {@link AuditMasked} and {@link AuditHashed} for sensitive values.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Audited {

    /** The {@code entity_type} stored in the audit log; the JPA entity name by default. */
    String value() default "";
}
