package dev.ledgerbox.publisher.spi;

/**
 * Where events go. Called outside any database transaction, from several threads at once, at
 * least once per event (again after a crash, with the same event id).
 */
public interface Sink {

    /** A short name for logs and metrics, such as {@code log} or {@code webhook}. */
    String name();

    /**
     * Delivers one event. An exception counts as {@link Outcome.Retry} with its message.
     */
    Outcome deliver(ClaimedEvent event) throws Exception;
}
