package dev.ledgerbox.audit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Stores a keyed hash of the value instead of the value: {@code "hmac-sha256:<hex>"}, computed
 * with the secret of {@code audit.hash-key}. Equal values give equal hashes, so an
 * operator can tell whether a value changed back, or find the rows where it was set to a value
 * they know, without the log holding it. Without the key, building the session factory fails.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.FIELD, ElementType.METHOD})
public @interface AuditHashed {}
