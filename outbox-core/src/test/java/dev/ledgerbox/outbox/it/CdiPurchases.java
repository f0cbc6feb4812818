package dev.ledgerbox.outbox.it;

import dev.ledgerbox.outbox.EventPayload;
import dev.ledgerbox.outbox.Outbox;
import dev.ledgerbox.outbox.OutboxEvent;
import dev.ledgerbox.outbox.Outboxed;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import jakarta.transaction.Transactional;

/** A CDI bean with @Transactional methods. */
@ApplicationScoped
public class CdiPurchases {

    @PersistenceContext
    EntityManager em;

    @Inject
    Outbox outbox;

    @Transactional
    @Outboxed(type = "purchase.placed", aggregate = "purchase")
    public Purchase place(String sku) {
        Purchase p = new Purchase(sku);
        em.persist(p);
        return p;
    }

    @Transactional
    @Outboxed(type = "purchase.placed", aggregate = "purchase")
    public Purchase placeThenCrash(String sku) {
        em.persist(new Purchase(sku));
        throw new IllegalStateException("crash after the business write");
    }

    /** @Transactional does not roll back for checked exceptions, so the event stays too. */
    @Transactional
    @Outboxed(type = "purchase.declined", aggregate = "purchase")
    public void placeDeclined(@EventPayload Purchase purchase) throws PaymentDeclined {
        em.persist(purchase);
        throw new PaymentDeclined();
    }

    @Outboxed(type = "purchase.previewed", aggregate = "purchase")
    public Purchase previewWithoutTransaction(String sku) {
        return new Purchase(sku);
    }

    public void emitWithoutTransaction() {
        outbox.emit(OutboxEvent.of("purchase", 1, "purchase.orphaned", "{}"));
    }
}
