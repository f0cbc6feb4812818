package dev.ledgerbox.outbound;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the parameter of an {@link Outbound} method that holds the call's business key ({@code
 * order-42}): the call's correlation id, and its idempotency key where the destination takes one,
 * become {@code destination:key}, the same for every retry.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface OutboundKey {}
