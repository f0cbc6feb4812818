package dev.ledgerbox.inbox.it;

import dev.ledgerbox.inbox.Inbound;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;

/** The provider's webhook endpoint, as an application writes it: the method is the handler. */
@Path("payments")
@RequestScoped
public class PaymentsResource {

    @Inject
    Payments payments;

    @POST
    @Inbound(source = "payments")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, String> paymentSucceeded(JsonObject event, @HeaderParam("webhook-id") String webhookId)
            throws Exception {
        String order = event.getJsonObject("data").getString("order");
        if (event.containsKey("slow")) {
            Thread.sleep(1500);
        }
        payments.record(webhookId, order);
        return Map.of("order", order, "status", "PAID");
    }

    @POST
    @Path("async")
    @Inbound(source = "payments-async")
    @Consumes(MediaType.APPLICATION_JSON)
    public String neverCalled(String body) {
        throw new IllegalStateException("an asynchronous source is answered 202 before the method");
    }
}
