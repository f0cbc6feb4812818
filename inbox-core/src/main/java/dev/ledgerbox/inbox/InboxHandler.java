package dev.ledgerbox.inbox;

/**
 * Processes one received message: the application's write. It runs after the capture committed, in
 * its own business transaction (the handler's, not the capture's), with the message's correlation
 * id current, so that the rows, events and audit entries it writes carry it. It may run again for
 * the same message (a retry, a replay): the message's idempotency key is the sender's, so an upsert
 * by that key makes it safe.
 *
 * <p>Throw {@link InvalidPayloadException} for a payload that will never be acceptable; any other
 * exception marks the message failed (retried in the background, or by the sender, or replayed).
 */
@FunctionalInterface
public interface InboxHandler {

    HandlerResult handle(InboxMessage message) throws Exception;
}
