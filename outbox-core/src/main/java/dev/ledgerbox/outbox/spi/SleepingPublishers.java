package dev.ledgerbox.outbox.spi;

import java.time.Duration;

/**
 * The agreement between Ledgerbox's writer and a publisher that sleeps ({@code outbox_listener}):
 * while one sleeps, the writer's insert notifies it on commit.
 *
 * <p>Reading {@code outbox_listener} in every insert costs a busy writer several per cent of its
 * rate (measured in {@code docs/performance.md}), and a busy publisher never sleeps. So the writer
 * trusts a look that found no one asleep for {@link #WRITER_TRUSTS_A_LOOK_FOR}, timed from before
 * the look's statement was sent, and inserts without looking meanwhile; a look that found a sleeper
 * is not trusted: every insert looks again until none sleeps. A publisher that has recorded its
 * sleep therefore looks for due work once more after {@link #PUBLISHER_LOOKS_AGAIN_AFTER}, by when
 * every writer's trusted look is older than its record, before it sleeps the rest of its interval.
 */
public final class SleepingPublishers {

    /** How long a writer inserts without reading {@code outbox_listener} after a look found none. */
    public static final Duration WRITER_TRUSTS_A_LOOK_FOR = Duration.ofMillis(10);

    /** When a publisher that recorded its sleep looks for due work once more. */
    public static final Duration PUBLISHER_LOOKS_AGAIN_AFTER = WRITER_TRUSTS_A_LOOK_FOR.multipliedBy(2);

    private SleepingPublishers() {}
}
