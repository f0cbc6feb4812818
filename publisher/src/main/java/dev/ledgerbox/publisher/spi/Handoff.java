package dev.ledgerbox.publisher.spi;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Work done in the transaction that marks events delivered, so that it happens exactly once per
 * event: the webhook router stores each event's deliveries there. Called from several threads at
 * once (the outbox's recorder, or its two transactions during a backlog): an implementation keeps
 * nothing of one transaction for the next.
 */
public interface Handoff {

    /** What to run after a commit when there is nothing to run. */
    Runnable NOTHING = () -> {};

    /** Nothing to hand on. */
    Handoff NONE = (connection, events) -> NOTHING;

    /**
     * Runs in the caller's transaction, with the events this publisher still held; returns what to
     * run once that transaction committed (such as a wake-up of whoever takes the work on), or
     * {@link #NOTHING}.
     */
    Runnable handOff(Connection transaction, List<ClaimedEvent> events) throws SQLException;
}
