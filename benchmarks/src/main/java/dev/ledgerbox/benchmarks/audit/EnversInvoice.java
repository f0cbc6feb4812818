package dev.ledgerbox.benchmarks.audit;

import jakarta.persistence.Entity;
import jakarta.persistence.Table;

/** The invoice as the envers variant maps it. */
@org.hibernate.envers.Audited
@org.hibernate.envers.AuditOverride(forClass = InvoiceFields.class)
@Entity
@Table(name = "bench_invoice_envers")
public class EnversInvoice extends InvoiceFields {}
