package dev.ledgerbox.inbox.it;

import dev.ledgerbox.inbox.HandlerResult;
import dev.ledgerbox.inbox.InboundHandler;
import dev.ledgerbox.inbox.InboxHandler;
import dev.ledgerbox.inbox.InboxMessage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;

/** The same write for the background: asynchronous deliveries, and replays of either source. */
final class PaymentHandlers {

    private PaymentHandlers() {}

    static HandlerResult handle(Payments payments, InboxMessage message, String webhookId) throws Exception {
        JsonObject event =
                Json.createReader(new StringReader(message.bodyText())).readObject();
        String order = event.getJsonObject("data").getString("order");
        payments.record(webhookId, order);
        return HandlerResult.ok("{\"order\":\"" + order + "\",\"status\":\"PAID\"}")
                .withOutcome("payment of order " + order);
    }

    @ApplicationScoped
    @InboundHandler("payments-async")
    public static class Async implements InboxHandler {
        @Inject
        Payments payments;

        @Override
        public HandlerResult handle(InboxMessage message) throws Exception {
            return PaymentHandlers.handle(payments, message, message.idempotencyKey());
        }
    }

    @ApplicationScoped
    @InboundHandler("payments")
    public static class Replays implements InboxHandler {
        @Inject
        Payments payments;

        @Override
        public HandlerResult handle(InboxMessage message) throws Exception {
            return PaymentHandlers.handle(payments, message, message.header("webhook-id"));
        }
    }
}
