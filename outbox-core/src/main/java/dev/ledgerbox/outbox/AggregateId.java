package dev.ledgerbox.outbox;

import static java.lang.annotation.ElementType.FIELD;
import static java.lang.annotation.ElementType.METHOD;
import static java.lang.annotation.ElementType.PARAMETER;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;

/**
 * Marks where an {@link Outboxed} method's aggregate id comes from: a parameter of the method, or
 * a field or getter of the payload's class.
 */
@Documented
@Retention(RUNTIME)
@Target({FIELD, METHOD, PARAMETER})
public @interface AggregateId {}
