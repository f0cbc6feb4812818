package dev.ledgerbox.sample;

import dev.ledgerbox.outbound.Outbound;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.math.BigDecimal;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * The payment provider's charge API (the demo provider on port 8090). {@code @Outbound} records
 * every request that goes over the wire and its response in {@code outbound_attempt}.
 */
@RegisterRestClient(configKey = "payments")
@Outbound("payments")
@Path("/v1/charges")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public interface PaymentGateway {

    /** What the shop asks the provider to charge. */
    record ChargeRequest(long order, BigDecimal amount, String currency) {}

    /** The provider's answer. */
    record Charge(String id, String status) {}

    @POST
    Charge charge(ChargeRequest request);
}
