package dev.ledgerbox.audit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Records that an attribute changed, never its value: old and new are stored as {@code "***"}
 * (null stays null). The value is not kept anywhere by the framework, nor logged.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.FIELD, ElementType.METHOD})
public @interface AuditMasked {}
