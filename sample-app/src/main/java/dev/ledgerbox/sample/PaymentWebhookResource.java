package dev.ledgerbox.sample;

import dev.ledgerbox.inbox.Inbound;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.math.BigDecimal;

/**
 * The payment provider's webhook: {@code POST /api/webhooks/payments}, signed with Standard
 * Webhooks. The inbox captures each delivery before this method runs (source {@code payments} in
 * microprofile-config.properties), answers duplicates and refuses bad signatures; the method is
 * the write.
 */
@Path("/webhooks/payments")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class PaymentWebhookResource {

    /** What the provider sends: {@code {"type": "payment.succeeded", "data": {"order": 42, "amount": 19.99}}}. */
    public record PaymentEvent(String type, Payment data) {}

    public record Payment(Long order, BigDecimal amount) {}

    /** What the provider is answered. */
    public record Receipt(long order, OrderStatus status) {}

    @Inject
    Orders orders;

    @POST
    @Inbound(source = "payments")
    public Receipt paymentSucceeded(PaymentEvent event, @HeaderParam("webhook-id") String webhookId) {
        return PaymentHandler.apply(orders, webhookId, event);
    }
}
