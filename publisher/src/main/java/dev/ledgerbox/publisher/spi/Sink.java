package dev.ledgerbox.publisher.spi;

/**
 * Where events go. Called outside any database transaction, from several threads at once, at
 * least once per event (again after a crash, with the same event id); a {@link #local()} sink
 * inside the transaction that claims and marks its events, from at most two threads at once.
 */
public interface Sink {

    /** A short name for logs and metrics, such as {@code log} or {@code webhook}. */
    String name();

    /**
     * Delivers one event. An exception counts as {@link Outcome.Retry} with its message.
     */
    Outcome deliver(ClaimedEvent event) throws Exception;

    /**
     * Whether this sink never leaves the machine and takes microseconds an event (a log line to
     * the application's appenders): its events are then claimed, delivered and marked in one
     * transaction, one change of each event's row instead of two, the rows held (by row locks)
     * while it delivers. False by default: a sink that may call the network (or block for long)
     * must never run inside a transaction.
     */
    default boolean local() {
        return false;
    }
}
