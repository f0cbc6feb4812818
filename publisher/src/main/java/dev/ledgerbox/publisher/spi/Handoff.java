package dev.ledgerbox.publisher.spi;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Work done in the transaction that marks events delivered, so that it happens exactly once per
 * event: the webhook router stores each event's deliveries there. Called from the claim loop's
 * thread only.
 */
public interface Handoff {

    /** Nothing to hand on. */
    Handoff NONE = (connection, events) -> {};

    /** Runs in the caller's transaction, with the events this publisher still held. */
    void handOff(Connection transaction, List<ClaimedEvent> events) throws SQLException;

    /** Called after that transaction committed. */
    default void committed() {}
}
