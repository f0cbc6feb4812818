package dev.ledgerbox.benchmarks;

import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import java.math.BigDecimal;
import java.time.Instant;

/** The business row of every benchmarked transaction. */
@Entity
@Table(name = "bench_order")
public class BenchOrder {

    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "bench_order_seq")
    @SequenceGenerator(name = "bench_order_seq", allocationSize = 50)
    private Long id;

    private String customer;
    private String status;
    private BigDecimal total;
    private Instant createdAt;

    public BenchOrder() {}

    public BenchOrder(String customer, BigDecimal total, Instant createdAt) {
        this.customer = customer;
        this.status = "NEW";
        this.total = total;
        this.createdAt = createdAt;
    }

    public Long getId() {
        return id;
    }

    public String getCustomer() {
        return customer;
    }

    public String getStatus() {
        return status;
    }

    public BigDecimal getTotal() {
        return total;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }
}
