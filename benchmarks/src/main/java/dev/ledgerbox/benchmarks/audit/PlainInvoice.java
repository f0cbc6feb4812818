package dev.ledgerbox.benchmarks.audit;

import jakarta.persistence.Entity;
import jakarta.persistence.Table;

/** The invoice as the plain variant maps it. */
@Entity
@Table(name = "bench_invoice_plain")
public class PlainInvoice extends InvoiceFields {}
