package dev.ledgerbox.outbox.it;

import jakarta.ejb.ApplicationException;

/** A business failure that keeps the transaction's work. */
@ApplicationException(rollback = false)
public class PaymentDeclined extends Exception {
    private static final long serialVersionUID = 1L;

    public PaymentDeclined() {
        super("payment declined");
    }
}
