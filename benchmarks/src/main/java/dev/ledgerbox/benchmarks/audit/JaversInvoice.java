package dev.ledgerbox.benchmarks.audit;

import jakarta.persistence.Entity;
import jakarta.persistence.Table;

/** The invoice as the javers variant maps it. */
@Entity
@Table(name = "bench_invoice_javers")
public class JaversInvoice extends InvoiceFields {}
