package dev.ledgerbox.sample;

import jakarta.ejb.ApplicationException;

/** The request names something that does not exist: the client gets 404. */
@ApplicationException(rollback = true)
public class NotFoundException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public NotFoundException(String message) {
        super(message);
    }
}
