package dev.ledgerbox.sample;

import jakarta.ejb.ApplicationException;

/** A request the business rules refuse: the transaction rolls back, the client gets 409. */
@ApplicationException(rollback = true)
public class BusinessRuleException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public BusinessRuleException(String message) {
        super(message);
    }
}
