package dev.ledgerbox.inbox;

import jakarta.inject.Qualifier;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the source an {@link InboxHandler} bean processes, in the background (asynchronous
 * sources, messages a dead request left behind) and for replays:
 *
 * <pre>{@code
 * @ApplicationScoped
 * @InboundHandler("payments")
 * public class PaymentHandler implements InboxHandler {
 *     @Transactional
 *     public HandlerResult handle(InboxMessage message) { ... }
 * }
 * }</pre>
 */
@Qualifier
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.FIELD, ElementType.PARAMETER})
public @interface InboundHandler {

    /** The source's name, as in {@code inbox.sources}. */
    String value();
}
