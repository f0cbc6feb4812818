package dev.ledgerbox.outbox;

import java.util.UUID;

/**
 * Writes events to the transactional outbox, in the caller's JTA transaction.
 *
 * <p>Inject it into any CDI bean or EJB:
 *
 * <pre>{@code
 * @Inject Outbox outbox;
 *
 * outbox.emit(OutboxEvent.of("order", order.getId(), "order.shipped", order));
 * }</pre>
 *
 * <p>The event row is inserted at once, on the connection the transaction already uses, so it
 * commits or rolls back with the business data. Implementations are thread-safe.
 */
public interface Outbox {

    /**
     * Writes one event in the current transaction.
     *
     * @return the event id: the {@code id} column, and the {@code webhook-id} of every delivery
     * @throws NoTransactionException when no JTA transaction is active; nothing is written
     * @throws InvalidEventException when the event cannot be written as it is (blank type or
     *     aggregate id, a payload that cannot be serialised or is over the size limit); the
     *     transaction is marked rollback-only, so the business change cannot commit without its
     *     event
     * @throws OutboxException when the database refuses the row; the transaction is marked
     *     rollback-only
     */
    UUID emit(OutboxEvent event);
}
