package dev.ledgerbox.outbox;

import static java.lang.annotation.ElementType.PARAMETER;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;

/** Marks the parameter of an {@link Outboxed} method whose value is the event's payload. */
@Documented
@Retention(RUNTIME)
@Target(PARAMETER)
public @interface EventPayload {}
