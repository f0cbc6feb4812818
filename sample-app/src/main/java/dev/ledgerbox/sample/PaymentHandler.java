package dev.ledgerbox.sample;

import dev.ledgerbox.inbox.HandlerResult;
import dev.ledgerbox.inbox.InboundHandler;
import dev.ledgerbox.inbox.InboxHandler;
import dev.ledgerbox.inbox.InboxMessage;
import dev.ledgerbox.inbox.InvalidPayloadException;
import dev.ledgerbox.sample.PaymentWebhookResource.PaymentEvent;
import dev.ledgerbox.sample.PaymentWebhookResource.Receipt;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;

/**
 * The same write for the inbox's background processing: replays of payment deliveries whose write
 * failed (and messages a request left behind).
 */
@ApplicationScoped
@InboundHandler("payments")
public class PaymentHandler implements InboxHandler {

    private static final Jsonb JSON = JsonbBuilder.create();

    @Inject
    Orders orders;

    @Override
    public HandlerResult handle(InboxMessage message) {
        PaymentEvent event = JSON.fromJson(message.bodyText(), PaymentEvent.class);
        Receipt receipt = apply(orders, message.header("webhook-id"), event);
        return HandlerResult.ok(JSON.toJson(receipt)).withOutcome("order " + receipt.order() + " " + receipt.status());
    }

    /** The write, from the resource or from a replay. */
    static Receipt apply(Orders orders, String webhookId, PaymentEvent event) {
        if (event == null
                || !"payment.succeeded".equals(event.type())
                || event.data() == null
                || event.data().order() == null
                || event.data().amount() == null) {
            throw new InvalidPayloadException(
                    "expected {\"type\": \"payment.succeeded\", \"data\": {\"order\": ...," + " \"amount\": ...}}");
        }
        ShopOrder order = orders.paidByProvider(
                webhookId, event.data().order(), event.data().amount());
        return new Receipt(order.getId(), order.getStatus());
    }
}
