package com.example;

import dev.ledgerbox.audit.AuditAction;
import dev.ledgerbox.outbox.Outbox;
import dev.ledgerbox.outbox.OutboxEvent;
import dev.ledgerbox.outbox.Outboxed;
import jakarta.ejb.Stateless;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.math.BigDecimal;
import java.util.Map;

@Stateless // each method: one JTA transaction with the order, its audit rows and its event
public class Orders {

    @PersistenceContext
    EntityManager em;

    @Inject
    Outbox outbox;

    @Outboxed(type = "order.placed", aggregate = "order") // the returned order is the payload
    public ShopOrder place(String customer, BigDecimal total) {
        ShopOrder order = new ShopOrder(customer, total);
        em.persist(order);
        em.flush(); // the id, for the event's aggregate id
        return order;
    }

    @AuditAction("order.paid") // names the change in the audit row
    public ShopOrder pay(long id) {
        ShopOrder order = em.find(ShopOrder.class, id);
        order.pay();
        outbox.emit(OutboxEvent.of("order", id, "order.paid", Map.of("id", id)));
        return order;
    }
}
