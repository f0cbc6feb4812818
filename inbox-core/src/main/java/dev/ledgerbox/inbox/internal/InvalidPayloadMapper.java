package dev.ledgerbox.inbox.internal;

import dev.ledgerbox.inbox.InvalidPayloadException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** A payload an {@code @Inbound} method refuses is answered 400 with the reason (and captured as INVALID). */
@Provider
public class InvalidPayloadMapper implements ExceptionMapper<InvalidPayloadException> {

    @Override
    public Response toResponse(InvalidPayloadException e) {
        return Response.status(400)
                .type(MediaType.TEXT_PLAIN_TYPE)
                .entity(e.getMessage())
                .build();
    }
}
