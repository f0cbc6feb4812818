package dev.ledgerbox.sample;

import dev.ledgerbox.audit.AuditAction;
import dev.ledgerbox.outbox.Outbox;
import dev.ledgerbox.outbox.OutboxEvent;
import dev.ledgerbox.outbox.Outboxed;
import jakarta.ejb.Stateless;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * Orders, as a stateless EJB with container-managed transactions: each method is one JTA
 * transaction holding the order's change, its audit rows and its outbox event.
 */
@Stateless
public class Orders {

    @PersistenceContext
    EntityManager em;

    @Inject
    Outbox outbox;

    /** The returned order is the event's payload; its id, the aggregate id. */
    @Outboxed(type = "order.placed", aggregate = "order")
    public ShopOrder place(String customer, BigDecimal total) {
        if (customer == null || customer.isBlank()) {
            throw new BusinessRuleException("an order needs a customer");
        }
        if (total == null || total.signum() <= 0) {
            throw new BusinessRuleException("an order needs a positive total, not " + total);
        }
        ShopOrder order = new ShopOrder(customer, total);
        em.persist(order);
        em.flush();
        return order;
    }

    @AuditAction("order.paid")
    public ShopOrder pay(long id) {
        ShopOrder order = find(id);
        order.pay();
        outbox.emit(OutboxEvent.of("order", id, "order.paid", Map.of("id", id, "total", order.getTotal())));
        return order;
    }

    /**
     * The payment provider reports a payment (its webhook, through the inbox): recorded once per
     * provider delivery id, and a NEW order becomes PAID. A second report of the same delivery
     * changes nothing.
     */
    @AuditAction("order.paid-by-provider")
    public ShopOrder paidByProvider(String webhookId, long orderId, BigDecimal amount) {
        ShopOrder order = find(orderId);
        int recorded = em.createNativeQuery(
                        "INSERT INTO shop_payment (webhook_id, order_id, amount) VALUES (?1, ?2, ?3)"
                                + " ON CONFLICT (webhook_id) DO NOTHING")
                .setParameter(1, webhookId)
                .setParameter(2, orderId)
                .setParameter(3, amount)
                .executeUpdate();
        if (recorded == 1 && order.getStatus() == OrderStatus.NEW) {
            order.pay();
            outbox.emit(OutboxEvent.of("order", orderId, "order.paid", Map.of("id", orderId, "total", amount)));
        }
        return order;
    }

    @AuditAction("order.cancelled")
    public ShopOrder cancel(long id) {
        ShopOrder order = find(id);
        order.cancel();
        outbox.emit(OutboxEvent.of("order", id, "order.cancelled", Map.of("id", id)));
        return order;
    }

    public List<ShopOrder> newest(int max) {
        return em.createQuery("SELECT o FROM ShopOrder o ORDER BY o.id DESC", ShopOrder.class)
                .setMaxResults(max)
                .getResultList();
    }

    public ShopOrder find(long id) {
        ShopOrder order = em.find(ShopOrder.class, id);
        if (order == null) {
            throw new NotFoundException("there is no order " + id);
        }
        return order;
    }
}
