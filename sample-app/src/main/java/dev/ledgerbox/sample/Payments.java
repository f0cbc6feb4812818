package dev.ledgerbox.sample;

import dev.ledgerbox.outbound.Outbound;
import dev.ledgerbox.outbound.OutboundKey;
import dev.ledgerbox.sample.PaymentGateway.Charge;
import dev.ledgerbox.sample.PaymentGateway.ChargeRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import java.math.BigDecimal;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * Charges an order at the payment provider, retried on errors and timeouts. Every try is a wire
 * attempt of one logical call, {@code payments.charges.create:order-<id>}, which is also the
 * {@code Idempotency-Key} the provider sees: a retry after a lost response cannot charge twice.
 */
@ApplicationScoped
public class Payments {

    @Inject
    @RestClient
    PaymentGateway gateway;

    /** The charge failed at the provider: an error, a timeout, or no answer. */
    public static class PaymentFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PaymentFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The provider refused the charge (a 4xx): retrying would not change its answer. */
    public static class ChargeRefusedException extends PaymentFailedException {
        private static final long serialVersionUID = 1L;

        ChargeRefusedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @Outbound("payments.charges.create")
    @Retry(maxRetries = 2, delay = 200, jitter = 0, abortOn = ChargeRefusedException.class)
    public Charge charge(@OutboundKey String orderKey, long order, BigDecimal amount) {
        try {
            return gateway.charge(new ChargeRequest(order, amount, "eur"));
        } catch (WebApplicationException e) {
            int status = e.getResponse().getStatus();
            String answer = ("the payment provider answered " + status + " " + body(e)).strip();
            throw status < 500 ? new ChargeRefusedException(answer, e) : new PaymentFailedException(answer, e);
        } catch (ProcessingException e) {
            throw new PaymentFailedException("the payment provider did not answer: " + e.getMessage(), e);
        }
    }

    /** The provider's answer when the client kept it (outbound_attempt.response_body has it anyway). */
    private static String body(WebApplicationException e) {
        try {
            return e.getResponse().readEntity(String.class);
        } catch (RuntimeException consumed) {
            return "";
        }
    }
}
