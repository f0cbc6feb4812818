package dev.ledgerbox.benchmarks.audit;

import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.MappedSuperclass;
import jakarta.persistence.Version;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.concurrent.ThreadLocalRandom;

/** The audited entity of the benchmark: ten scalar attributes and a version. */
@MappedSuperclass
public abstract class InvoiceFields {

    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE)
    private Long id;

    @Version
    private int version;

    private String customer;
    private String status;
    private String currency;
    private BigDecimal total;
    private BigDecimal tax;
    private Instant issuedAt;
    private LocalDate dueDate;
    private boolean paid;
    private String reference;
    private String notes;

    /** Fills the attributes with plausible values. */
    public void fill() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        customer = "customer-" + random.nextInt(100_000);
        status = "ISSUED";
        currency = "EUR";
        total = BigDecimal.valueOf(random.nextInt(100, 1_000_000), 2);
        tax = total.multiply(BigDecimal.valueOf(19, 2)).setScale(2, java.math.RoundingMode.HALF_UP);
        issuedAt = Instant.now();
        dueDate = LocalDate.now().plusDays(30);
        paid = false;
        reference = "INV-" + random.nextLong(1_000_000_000L);
        notes = "net 30";
    }

    /** The update of the benchmark: two attributes change. */
    public void pay() {
        status = "PAID".equals(status) ? "ISSUED" : "PAID";
        paid = !paid;
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

    public String getCurrency() {
        return currency;
    }

    public BigDecimal getTotal() {
        return total;
    }

    public BigDecimal getTax() {
        return tax;
    }

    public Instant getIssuedAt() {
        return issuedAt;
    }

    public LocalDate getDueDate() {
        return dueDate;
    }

    public boolean isPaid() {
        return paid;
    }

    public String getReference() {
        return reference;
    }

    public String getNotes() {
        return notes;
    }
}
