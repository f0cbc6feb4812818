package dev.ledgerbox.outbound.it;

import dev.ledgerbox.outbound.Outbound;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** A payment provider's charge API, as an application declares it: the annotation is the whole setup. */
@RegisterRestClient(configKey = "charges")
@Outbound("payments")
@Path("/v1/charges")
public interface ChargeGateway {

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    String charge(String request);
}
