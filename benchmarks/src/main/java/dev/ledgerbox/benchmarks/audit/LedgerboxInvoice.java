package dev.ledgerbox.benchmarks.audit;

import jakarta.persistence.Entity;
import jakarta.persistence.Table;

/** The invoice as the ledgerbox variant maps it. */
@dev.ledgerbox.audit.Audited("invoice")
@Entity
@Table(name = "bench_invoice_ledgerbox")
public class LedgerboxInvoice extends InvoiceFields {}
