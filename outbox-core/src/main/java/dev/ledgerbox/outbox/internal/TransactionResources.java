package dev.ledgerbox.outbox.internal;

import dev.ledgerbox.outbox.Correlation;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.util.UUID;

/**
 * What Ledgerbox's modules share about the current JTA transaction, kept in the container's
 * {@link TransactionSynchronizationRegistry} so that it lives exactly as long as the transaction:
 * the correlation id (the request's, else one generated once per transaction) and the id of the
 * first outbox event written in it, which audit rows of the same transaction point to.
 */
public final class TransactionResources {

    static final String CORRELATION_ID = "dev.ledgerbox.correlation-id";
    static final String FIRST_EVENT_ID = "dev.ledgerbox.outbox.first-event-id";

    private TransactionResources() {}

    /** The request's correlation id, else one generated for (and shared across) this transaction. */
    public static String correlationId(TransactionSynchronizationRegistry transactions) {
        return Correlation.current().orElseGet(() -> {
            Object id = transactions.getResource(CORRELATION_ID);
            if (id == null) {
                id = Correlation.newId();
                transactions.putResource(CORRELATION_ID, id);
            }
            return (String) id;
        });
    }

    /** Notes an event written in the current transaction; the first one is kept. */
    public static void eventWritten(TransactionSynchronizationRegistry transactions, UUID eventId) {
        if (transactions.getResource(FIRST_EVENT_ID) == null) {
            transactions.putResource(FIRST_EVENT_ID, eventId);
        }
    }

    /** The first outbox event written in the current transaction, or null. */
    public static UUID firstEventId(TransactionSynchronizationRegistry transactions) {
        return (UUID) transactions.getResource(FIRST_EVENT_ID);
    }
}
