package com.example;

import dev.ledgerbox.audit.Audited;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.math.BigDecimal;

@Audited // every change: an audit row with the fields' old and new values
@Entity
@Table(name = "shop_order")
public class ShopOrder {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    private String customer;
    private BigDecimal total;
    private String status = "NEW";

    protected ShopOrder() {}

    public ShopOrder(String customer, BigDecimal total) {
        this.customer = customer;
        this.total = total;
    }

    public void pay() {
        if (!status.equals("NEW")) {
            throw new IllegalStateException("only a NEW order can be paid"); // rolls everything back
        }
        status = "PAID";
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

    public String getStatus() {
        return status;
    }
}
