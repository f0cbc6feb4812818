package dev.ledgerbox.sample;

import jakarta.ejb.EJBException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.Map;

/** Refused requests as {@code {"error": "..."}}: 409 for a business rule, 404 for an unknown id. */
@Provider
public class ProblemMapper implements ExceptionMapper<RuntimeException> {

    @Override
    public Response toResponse(RuntimeException e) {
        Throwable cause = e instanceof EJBException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof jakarta.ws.rs.WebApplicationException web) {
            return web.getResponse();
        }
        int status = cause instanceof BusinessRuleException ? 409 : cause instanceof NotFoundException ? 404 : 500;
        String message = status == 500 ? "internal error" : cause.getMessage();
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", message))
                .build();
    }
}
