package dev.ledgerbox.outbox.spi;

import dev.ledgerbox.outbox.Correlation;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.util.Optional;
import java.util.UUID;

/**
 * What Ledgerbox's modules share about one JTA transaction, kept under one key of the container's
 * {@link TransactionSynchronizationRegistry} so that it lives exactly as long as the transaction:
 * the correlation id (the request's, else one generated once per transaction), the trace context
 * current when Ledgerbox first saw the transaction, the id of the first outbox event written in it
 * (which audit rows of the same transaction point to), and the business action and reason of the
 * outermost {@code @AuditAction}.
 *
 * <p>Thread-safe: a transaction may be touched from the thread that runs it and from the
 * container's completion thread.
 */
public final class TransactionContext {

    /** The registry key; one object per transaction. */
    static final String KEY = "dev.ledgerbox.transaction-context";

    /** A business action and why it was taken (the reason may be null). */
    public record Action(String name, String reason) {}

    private final String correlationId;
    private final TraceContext trace;
    private volatile UUID firstEventId;
    private volatile Action action;

    private TransactionContext(String correlationId, TraceContext trace) {
        this.correlationId = correlationId;
        this.trace = trace;
    }

    /**
     * The context of the current transaction, made on first use; empty when no transaction is
     * active on this thread.
     */
    public static Optional<TransactionContext> of(TransactionSynchronizationRegistry transactions) {
        if (transactions == null || transactions.getTransactionKey() == null) {
            return Optional.empty();
        }
        TransactionContext context = (TransactionContext) transactions.getResource(KEY);
        if (context == null) {
            context =
                    new TransactionContext(Correlation.current().orElseGet(Correlation::newId), TraceContext.current());
            transactions.putResource(KEY, context);
        }
        return Optional.of(context);
    }

    /** The request's correlation id, else one generated for (and shared across) this transaction. */
    public String correlationId() {
        return Correlation.current().orElse(correlationId);
    }

    /** The trace context current when Ledgerbox first saw this transaction. */
    public TraceContext trace() {
        return trace;
    }

    /** Notes an event written in this transaction; the first one is kept. */
    public synchronized void eventWritten(UUID eventId) {
        if (firstEventId == null) {
            firstEventId = eventId;
        }
    }

    /** The first outbox event written in this transaction, if any. */
    public Optional<UUID> firstEventId() {
        return Optional.ofNullable(firstEventId);
    }

    /** Sets the transaction's action unless an outer call has set one already. */
    public synchronized void actionIfAbsent(String name, String reason) {
        if (action == null) {
            action = new Action(name, reason);
        }
    }

    /** The action of the outermost {@code @AuditAction} in this transaction, if any. */
    public Optional<Action> action() {
        return Optional.ofNullable(action);
    }
}
