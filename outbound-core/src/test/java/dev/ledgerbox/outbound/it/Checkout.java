package dev.ledgerbox.outbound.it;

import dev.ledgerbox.outbound.Outbound;
import dev.ledgerbox.outbound.OutboundKey;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.ClientErrorException;
import jakarta.ws.rs.WebApplicationException;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/** Charges an order with MicroProfile Fault Tolerance's retries: each retry is an attempt of one call. */
@ApplicationScoped
public class Checkout {

    @Inject
    @RestClient
    ChargeGateway gateway;

    @Outbound("payments.charges.create")
    @Retry(maxRetries = 3, delay = 50, jitter = 0, abortOn = ClientErrorException.class)
    public String pay(@OutboundKey String order) {
        try {
            return gateway.charge(
                    "{\"amount\":4250,\"card_number\":\"4242424242424242\",\"email\":\"ada@example.com\"}");
        } catch (WebApplicationException e) {
            if (e.getResponse().getStatus() < 500) {
                throw new ClientErrorException(e.getResponse()); // a refusal: retrying will not change it
            }
            throw e;
        }
    }
}
