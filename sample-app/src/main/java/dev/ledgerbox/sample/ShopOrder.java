package dev.ledgerbox.sample;

import dev.ledgerbox.audit.Audited;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.math.BigDecimal;

/** An order: every change to it leaves an audit row with the fields' old and new values. */
@Audited
@Entity
@Table(name = "shop_order")
public class ShopOrder {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    private String customer;

    private BigDecimal total;

    @Enumerated(EnumType.STRING)
    private OrderStatus status = OrderStatus.NEW;

    protected ShopOrder() {}

    public ShopOrder(String customer, BigDecimal total) {
        this.customer = customer;
        this.total = total;
    }

    public Long getId() {
        return id;
    }

    public String getCustomer() {
        return customer;
    }

    public BigDecimal getTotal() {
        return total;
    }

    public OrderStatus getStatus() {
        return status;
    }

    /** Pays a new order; anything else is refused (and the transaction rolls back). */
    public void pay() {
        if (status != OrderStatus.NEW) {
            throw new BusinessRuleException("order " + id + " is " + status + ": only a NEW order can be paid");
        }
        status = OrderStatus.PAID;
    }

    public void cancel() {
        if (status == OrderStatus.CANCELLED) {
            throw new BusinessRuleException("order " + id + " is already cancelled");
        }
        status = OrderStatus.CANCELLED;
    }
}
