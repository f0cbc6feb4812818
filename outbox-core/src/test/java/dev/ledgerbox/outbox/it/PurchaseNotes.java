package dev.ledgerbox.outbox.it;

import dev.ledgerbox.outbox.Outbox;
import dev.ledgerbox.outbox.OutboxEvent;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.inject.Inject;
import java.util.Map;

/** Writes an event in its own transaction. */
@Stateless
public class PurchaseNotes {

    @Inject
    Outbox outbox;

    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public void note(long purchaseId, String text) {
        outbox.emit(OutboxEvent.of("purchase", purchaseId, "purchase.noted", Map.of("text", text)));
    }
}
