package dev.ledgerbox.sample;

import jakarta.ejb.EJBException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Refused requests as {@code {"error": "..."}}: 409 for a business rule, 404 for an unknown id, 502
 * when the payment provider refused the charge or could not be reached.
 */
@Provider
public class ProblemMapper implements ExceptionMapper<RuntimeException> {

    private static final Logger LOG = Logger.getLogger(ProblemMapper.class.getName());

    @Override
    public Response toResponse(RuntimeException e) {
        Throwable cause = e instanceof EJBException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof jakarta.ws.rs.WebApplicationException web) {
            return web.getResponse();
        }
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof Payments.PaymentFailedException failed) {
                cause = failed;
                break;
            }
        }
        if (!(cause instanceof BusinessRuleException
                || cause instanceof NotFoundException
                || cause instanceof Payments.PaymentFailedException)) {
            LOG.log(Level.SEVERE, "internal error", e);
        }
        int status = cause instanceof BusinessRuleException
                ? 409
                : cause instanceof NotFoundException
                        ? 404
                        : cause instanceof Payments.PaymentFailedException ? 502 : 500;
        String message = status == 500 ? "internal error" : cause.getMessage();
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", message))
                .build();
    }
}
