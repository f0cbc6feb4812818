package dev.ledgerbox.publisher.spi;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/**
 * One kind of work that the engine drives: a table of leased rows. The engine claims, runs the
 * work outside any transaction, and records the outcomes; the queue knows its SQL and what the
 * work is. Implementations must be thread-safe: {@link #claim} runs on the engine's claim thread,
 * {@link #work} on its workers, {@link #record} on its recorder, all at once.
 *
 * <p>Claims must be short transactions that mark the rows as held by {@code owner} until the
 * lease ends (a claim whose holder dies comes back when its lease ends), and must skip rows other
 * claimers hold ({@code FOR UPDATE SKIP LOCKED}). No transaction may be open during {@link #work},
 * but for a queue whose work never leaves the machine ({@link #workedInTheClaim}).
 *
 * @param <W> one claimed piece of work
 */
public interface WorkQueue<W> {

    /** A short name for logs, metrics and threads, such as {@code outbox} or {@code webhook}. */
    String name();

    /** What one claim asks for: at most {@code max} pieces, held by {@code owner} until {@code now + lease}. */
    record Claim(String owner, int max, Duration lease, Instant now) {}

    /** Claims due work in one short transaction and commits; an empty list when none is due. */
    List<W> claim(Claim claim) throws SQLException;

    /** Does one piece of work, outside any transaction; an exception counts as a retry. */
    Outcome work(W work) throws Exception;

    /**
     * Called on the worker when a piece's outcome is settled (the retry policy applied), with its
     * ids in the MDC and its span current: the place for the queue's own log line and metrics of
     * the outcome. Returns whether it logged the outcome; when not, the engine logs a failure.
     */
    default boolean finished(WorkResult<W> result) {
        return false;
    }

    /** Records finished work, in one transaction, for the pieces {@code owner} still holds. */
    void record(String owner, List<WorkResult<W>> results) throws SQLException;

    /**
     * Whether {@link #recordAndClaim} may record finished work in the transaction of the next
     * claim (one commit where a recording and a claim make two): while no backlog lasts, the engine
     * leaves outcomes a few milliseconds for the next claim before it records them on their own.
     * False by default.
     */
    default boolean recordsInTheClaim() {
        return false;
    }

    /**
     * For a queue that {@link #recordsInTheClaim}: records {@code results} as {@link #record} does,
     * then claims as {@link #claim} does, in one transaction, so that the claim sees what the
     * recording made due (an aggregate's next piece). When it fails, neither is done: the engine
     * claims without them, leaves them to the recorder, and for a second all outcomes with them. A
     * recording here should not wait long for a lock (a short {@code lock_timeout}): the claims for
     * all of the queue's work wait with it.
     */
    default List<W> recordAndClaim(List<WorkResult<W>> results, Claim claim) throws SQLException {
        throw new UnsupportedOperationException("the " + name() + " queue records and claims apart");
    }

    /**
     * Whether this queue's work never leaves the machine and takes microseconds (a log line): the
     * engine then has {@link #claimWorkAndRecord} claim, work and record each batch in one
     * transaction, on its claim thread, instead of a claim, work outside any transaction and a
     * recording (one change of a row where those make two). False by default: work that may go to
     * the network never runs in a transaction.
     */
    default boolean workedInTheClaim() {
        return false;
    }

    /**
     * For a queue {@link #workedInTheClaim}: claims due work in a transaction that holds it, has
     * {@code worker} do each piece in claim order (the engine's {@link #work}, its span, MDC and
     * retry policy), records the results in the same transaction and commits; returns the results,
     * none when nothing was due. A crash before the commit leaves the work due again.
     */
    default List<WorkResult<W>> claimWorkAndRecord(Claim claim, Function<W, WorkResult<W>> worker) throws SQLException {
        throw new UnsupportedOperationException("the " + name() + " queue claims and works apart");
    }

    /** Which attempt this is (1 for the first), for the retry policy. */
    int attempt(W work);

    /** The ids and trace for the logs and span around {@link #work}. */
    WorkContext context(W work);

    /**
     * Pieces of one lane run at most {@link #laneLimit} at a time, in claim order (one webhook
     * endpoint's slots); null, the default, puts the work in no lane. A queue with lanes bounds how
     * many pieces of a lane it has in hand (the webhook queue: two rounds of an endpoint's slots not
     * done yet): pieces waiting for a slot, and those running past the engine's {@code slowAfter},
     * do not count against its batches in hand, so that lanes that hang do not stop the claims for
     * the others.
     */
    default Object lane(W work) {
        return null;
    }

    /** How many pieces of {@code work}'s lane may run at once. */
    default int laneLimit(W work) {
        return Integer.MAX_VALUE;
    }

    /**
     * Called before the engine sleeps until woken or the poll interval; returns true when work came
     * due meanwhile, and the engine then claims again instead. The outbox records here that its
     * writers should notify.
     */
    default boolean sleeping(String owner) throws SQLException {
        return false;
    }

    /**
     * A cheap look whether work is due, without claiming it: for a moment after it found work the
     * engine looks every few milliseconds (rather than sleep, see {@link #unannouncedAfterSleeping}) and
     * claims only when this says so. True by default: the engine then claims at each look.
     */
    default boolean due() throws SQLException {
        return true;
    }

    /**
     * How long after {@link #sleeping} work may still become due without waking the engine: after
     * this the engine calls {@link #sleeping} once more (to look again) before it sleeps the rest.
     * Zero: the first look is enough.
     */
    default Duration unannouncedAfterSleeping() {
        return Duration.ZERO;
    }

    /** Called when the engine wakes from a sleep that {@link #sleeping} was told of. */
    default void awake(String owner) throws SQLException {}
}
