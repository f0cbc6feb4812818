package dev.ledgerbox.outbox.internal;

/** Turns an event payload into JSON text. Implementations are thread-safe. */
public interface PayloadSerializer {

    /**
     * @throws Exception when the payload cannot be serialised; the caller reports it with the
     *     event's origin and type
     */
    String toJson(Object payload) throws Exception;
}
