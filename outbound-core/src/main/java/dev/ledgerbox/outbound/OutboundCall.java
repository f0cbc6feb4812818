package dev.ledgerbox.outbound;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One logical call to a third party, however many times it goes over the wire: every attempt made
 * on this thread while it is open (each retry of a MicroProfile Fault Tolerance {@code @Retry}, each
 * turn of a hand-written retry loop) shares its correlation id and gets the next attempt number.
 * The correlation id is {@code destination:key} when the caller gives the business key ({@code
 * payments.charges.create:order-42}), so that support finds the call from the order even when
 * nothing was created, and a generated id otherwise.
 *
 * <pre>{@code
 * try (OutboundCall call = capture.call("payments.charges.create", "order-" + order.id())) {
 *     for (int i = 0; i < 3; i++) {
 *         try {
 *             return client.target(url).request().post(entity);
 *         } catch (ProcessingException e) {
 *             call.attemptFailed(e); // what went wrong on the wire, when the transport cannot see it
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>Bound to the thread that opened it; closing it restores the call that was open before.
 */
public final class OutboundCall implements AutoCloseable {

    private final OutboundCapture capture;
    private final OutboundCall outer;
    private final UUID id = Ids.timeOrdered();
    private final String destination;
    private final String key;
    private final String correlationId;
    private final AtomicInteger attempts = new AtomicInteger();

    OutboundCall(OutboundCapture capture, OutboundCall outer, String destination, String key) {
        this.capture = capture;
        this.outer = outer;
        this.destination = destination;
        this.key = key;
        this.correlationId = key == null ? Ids.random().toString() : destination + ":" + key;
    }

    /** Stable across the call's attempts; sent as the idempotency key where the destination takes one. */
    public String correlationId() {
        return correlationId;
    }

    public String destination() {
        return destination;
    }

    /** The business key the caller gave, or {@code null}. */
    public String key() {
        return key;
    }

    /** How many attempts went out so far. */
    public int attempts() {
        return attempts.get();
    }

    UUID id() {
        return id;
    }

    int nextAttempt() {
        return attempts.incrementAndGet();
    }

    OutboundCall outer() {
        return outer;
    }

    /**
     * Records the error of this call's attempt that is still waiting for its response: for
     * transports that raise the error to the caller without telling Ledgerbox (a Jakarta REST
     * client outside a container). Does nothing when that attempt already has its outcome.
     */
    public void attemptFailed(Throwable error) {
        capture.failOpenAttempt(error);
    }

    /** Ends the call: an attempt still without an outcome is recorded as ended without a response. */
    @Override
    public void close() {
        capture.end(this);
    }

    @Override
    public String toString() {
        return correlationId + " (" + attempts.get() + " attempts)";
    }
}
