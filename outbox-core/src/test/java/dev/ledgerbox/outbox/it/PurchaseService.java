package dev.ledgerbox.outbox.it;

import dev.ledgerbox.outbox.AggregateId;
import dev.ledgerbox.outbox.EventPayload;
import dev.ledgerbox.outbox.InvalidEventException;
import dev.ledgerbox.outbox.Outbox;
import dev.ledgerbox.outbox.OutboxEvent;
import dev.ledgerbox.outbox.Outboxed;
import jakarta.ejb.EJB;
import jakarta.ejb.Stateless;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;

/** An EJB with container-managed transactions. */
@Stateless
public class PurchaseService {

    @PersistenceContext
    EntityManager em;

    @Inject
    Outbox outbox;

    @EJB
    PurchaseNotes notes;

    @Outboxed(type = "purchase.placed", aggregate = "purchase")
    public Purchase place(String sku) {
        Purchase p = new Purchase(sku);
        em.persist(p);
        return p;
    }

    @Outboxed(type = "purchase.placed", aggregate = "purchase")
    public Purchase placeThenCrash(String sku) {
        em.persist(new Purchase(sku));
        throw new IllegalStateException("crash after the business write");
    }

    /** Declined payments keep the purchase (rollback = false), so they keep the event. */
    @Outboxed(type = "purchase.declined", aggregate = "purchase")
    public void placeDeclined(@EventPayload Purchase purchase) throws PaymentDeclined {
        em.persist(purchase);
        throw new PaymentDeclined();
    }

    /** The payload is the return value, which does not exist when the method throws. */
    @Outboxed(type = "purchase.placed", aggregate = "purchase")
    public Purchase placeReturningThenDecline(String sku) throws PaymentDeclined {
        em.persist(new Purchase(sku));
        throw new PaymentDeclined();
    }

    public Purchase placeWithNote(String sku, boolean crash) {
        Purchase p = new Purchase(sku);
        em.persist(p);
        notes.note(p.getId(), "noted " + sku);
        outbox.emit(OutboxEvent.of("purchase", p.getId(), "purchase.placed", p));
        if (crash) {
            throw new IllegalStateException("crash after REQUIRES_NEW");
        }
        return p;
    }

    @Outboxed(type = "purchase.placed", aggregate = "purchase")
    public Purchase placeWithAggregateId(@AggregateId String id, String sku) {
        Purchase p = new Purchase(sku);
        em.persist(p);
        return p;
    }

    /** Catches the outbox's refusal and carries on: the transaction must still not commit. */
    public Purchase placeSwallowingARefusedEvent(String sku) {
        Purchase p = new Purchase(sku);
        em.persist(p);
        try {
            outbox.emit(OutboxEvent.of("purchase", " ", "purchase.placed", p));
        } catch (InvalidEventException ignored) {
            // a careless caller
        }
        return p;
    }

    @Outboxed(type = "purchase.bulk", aggregate = "purchase")
    public Payloads.Bulk placeHuge(String sku, int size) {
        em.persist(new Purchase(sku));
        return new Payloads.Bulk(1, "x".repeat(size));
    }

    @Outboxed(type = "purchase.odd", aggregate = "purchase")
    public Payloads.Unserialisable placeUnserialisable(String sku) {
        em.persist(new Purchase(sku));
        return new Payloads.Unserialisable();
    }
}
