package dev.ledgerbox.publisher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.outbox.spi.SleepingPublishers;
import dev.ledgerbox.publisher.outbox.OutboxStore;
import dev.ledgerbox.publisher.spi.ClaimedEvent;
import dev.ledgerbox.publisher.spi.Handoff;
import dev.ledgerbox.publisher.spi.Outcome;
import dev.ledgerbox.publisher.spi.Text;
import dev.ledgerbox.publisher.spi.WorkResult;
import dev.ledgerbox.testing.SqlRows;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The claim, outcome and retention SQL against a real PostgreSQL. */
class OutboxStoreTest {

    final OutboxStore store = new OutboxStore(Events.db());

    @BeforeEach
    void empty() throws SQLException {
        Events.clear();
    }

    private static List<UUID> ids(List<ClaimedEvent> events) {
        return events.stream().map(ClaimedEvent::id).toList();
    }

    /**
     * Records one outcome for events {@code owner} claimed, as the publisher does; returns how many
     * it still held. The store records by id: the rest of each event is not read.
     */
    private int record(String owner, List<UUID> ids, Outcome outcome, Instant retryAt) throws SQLException {
        Instant now = Instant.now();
        return store.record(
                owner,
                ids.stream()
                        .map(id -> new WorkResult<>(
                                new ClaimedEvent(
                                        id, "order", "-", "-", "{}", null, 0, now, null, null, null, null, "{}", 1, 1),
                                outcome,
                                retryAt,
                                now))
                        .toList(),
                Handoff.NONE);
    }

    @Test
    void claimsDueEventsInBatchesWithALease() throws SQLException {
        List<UUID> written = Events.write("order", "order.created", "1", "2", "3");

        List<ClaimedEvent> first = store.claim("a", 2, Duration.ofMinutes(1));
        List<ClaimedEvent> second = store.claim("b", 10, Duration.ofMinutes(1));

        assertThat(ids(first)).containsExactly(written.get(0), written.get(1));
        assertThat(ids(second)).containsExactly(written.get(2));
        assertThat(first.get(0).attempt()).isEqualTo(1);
        assertThat(first.get(0).payloadJson()).isEqualTo("{\"n\": 0}");
        assertThat(first.get(0).correlationId()).isEqualTo("corr-1");
        assertThat(Events.row(written.get(0)))
                .as("the stored status stays; claimed_by says who holds the event")
                .containsEntry("status", "PENDING")
                .containsEntry("claimed_by", "a");
        assertThat(store.status().totals()).containsEntry("CLAIMED", 3L).containsEntry("PENDING", 0L);
        assertThat(store.claim("c", 10, Duration.ofMinutes(1))).isEmpty();
        // the payload hash in the logs can be recomputed with SQL, as docs/publisher.md says
        assertThat(Events.sql()
                        .query(
                                "SELECT encode(sha256(convert_to(payload::text, 'UTF8')), 'hex') AS h FROM outbox_event"
                                        + " WHERE id = ?",
                                written.get(0))
                        .get(0))
                .containsEntry("h", Text.sha256(first.get(0).payloadJson()));
    }

    /**
     * A claim writes no column an index names, and the migration leaves room on each page: claiming
     * is a HOT update, which adds no entry to the table's indexes.
     */
    @Test
    void aClaimIsAHotUpdate() throws Exception {
        Events.write(
                "order",
                "order.created",
                IntStream.range(0, 50).mapToObj(i -> "hot-" + i).toArray(String[]::new));
        SqlRows.Updates before = Events.sql().updates("outbox_event");

        assertThat(store.claim("a", 50, Duration.ofMinutes(1))).hasSize(50);

        SqlRows.Updates claimed = Events.sql().updatesSince("outbox_event", before, 50);
        assertThat(claimed.all()).as("updates").isEqualTo(50);
        assertThat(claimed.hot()).as("of which HOT").isGreaterThanOrEqualTo(40);
    }

    @Test
    void anAggregatesNextEventWaitsUntilTheEarlierOneIsDelivered() throws SQLException {
        List<UUID> written = Events.write("order", "order.changed", "7", "7", "8");

        List<ClaimedEvent> first = store.claim("a", 10, Duration.ofMinutes(1));
        assertThat(ids(first)).containsExactly(written.get(0), written.get(2)); // 7#2 waits, 8 does not
        assertThat(store.claim("a", 10, Duration.ofMinutes(1))).isEmpty();

        record(
                "a",
                List.of(written.get(0)),
                Outcome.retry("receiver down"),
                Instant.now().minusSeconds(1));
        assertThat(ids(store.claim("a", 10, Duration.ofMinutes(1))))
                .as("a retrying head still blocks its aggregate")
                .containsExactly(written.get(0));

        record("a", List.of(written.get(0)), Outcome.DELIVERED, null);
        assertThat(ids(store.claim("a", 10, Duration.ofMinutes(1)))).containsExactly(written.get(1));
    }

    /** An event written unordered neither waits for its aggregate's numbered events nor holds them back. */
    @Test
    void anUnorderedEventNeitherWaitsNorHoldsBack() throws SQLException {
        UUID first = Events.write("order", "order.changed", "7").get(0);
        UUID viewed = Events.writeUnordered("order", "order.viewed", "7");
        UUID second = Events.write("order", "order.changed", "7").get(0);

        List<ClaimedEvent> claimed = store.claim("a", 10, Duration.ofMinutes(1));
        assertThat(ids(claimed))
                .as("#2 waits for #1; the unordered one does not")
                .containsExactly(first, viewed);
        assertThat(claimed).extracting(ClaimedEvent::aggregateSeq).containsExactly(1L, null);

        record("a", List.of(first), Outcome.DELIVERED, null);
        assertThat(ids(store.claim("a", 10, Duration.ofMinutes(1))))
                .as("the unordered event, still held, holds back nothing")
                .containsExactly(second);
    }

    @Test
    void anExpiredLeaseIsTakenOverAndTheOldOwnerCannotRecordAnymore() throws Exception {
        UUID id = Events.write("order", "order.created", "1").get(0);
        store.claim("dead-instance", 10, Duration.ofMillis(1));
        Thread.sleep(20);

        List<ClaimedEvent> taken = store.claim("b", 10, Duration.ofMinutes(1));

        assertThat(ids(taken)).containsExactly(id);
        assertThat(taken.get(0).attempt()).isEqualTo(2);
        assertThat(record("dead-instance", List.of(id), Outcome.DELIVERED, null))
                .isZero();
        assertThat(record("b", List.of(id), Outcome.DELIVERED, null)).isEqualTo(1);
        assertThat(Events.status(id)).isEqualTo("DELIVERED");
    }

    @Test
    void anExpiredClaimGoesBeforeWorkThatBecameDueAfterIt() throws Exception {
        UUID first = Events.write("order", "order.created", "a").get(0);
        Events.write("order", "order.changed", "a"); // waits for the first
        store.claim("dead-instance", 1, Duration.ofMinutes(1));
        List<UUID> later = Events.write("order", "order.created", "b", "c", "d", "e");
        Events.sql()
                .execute("UPDATE outbox_event SET lease_until = now() - interval '1 second'"
                        + " WHERE claimed_by = 'dead-instance'"); // its claimer died a minute ago

        List<ClaimedEvent> taken = store.claim("b", 1, Duration.ofMinutes(1));

        assertThat(ids(taken)).as("the stranded claim, not %s", later).containsExactly(first);
    }

    @Test
    void concurrentClaimersNeverShareAnEvent() throws Exception {
        String[] aggregates = new String[300];
        for (int i = 0; i < aggregates.length; i++) {
            aggregates[i] = "agg-" + i;
        }
        Events.write("order", "order.created", aggregates);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<List<UUID>>> claims = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            String owner = "owner-" + t;
            claims.add(pool.submit(() -> {
                List<UUID> mine = new ArrayList<>();
                List<ClaimedEvent> batch;
                while (!(batch = store.claim(owner, 7, Duration.ofMinutes(1))).isEmpty()) {
                    mine.addAll(ids(batch));
                }
                return mine;
            }));
        }
        List<UUID> all = Collections.synchronizedList(new ArrayList<>());
        for (Future<List<UUID>> f : claims) {
            all.addAll(f.get());
        }
        pool.shutdown();

        assertThat(all).hasSize(300);
        assertThat(new HashSet<>(all)).hasSize(300);
    }

    @Test
    void failuresAreRetriedLaterOrDead() throws SQLException {
        List<UUID> written = Events.write("order", "order.created", "1", "2");
        store.claim("a", 10, Duration.ofMinutes(1));

        record(
                "a",
                List.of(written.get(0)),
                Outcome.retry("HTTP 503"),
                Instant.now().plusSeconds(3600));
        record("a", List.of(written.get(1)), Outcome.dead("malformed"), null);

        assertThat(Events.row(written.get(0)))
                .containsEntry("status", "FAILED")
                .containsEntry("last_error", "HTTP 503");
        assertThat(Events.row(written.get(1))).containsEntry("status", "DEAD");
        assertThat(store.claim("a", 10, Duration.ofMinutes(1)))
                .as("not due yet")
                .isEmpty();
    }

    @Test
    void releasedEventsComeBackWithoutCountingTheAttempt() throws SQLException {
        UUID id = Events.write("order", "order.created", "1").get(0);
        store.claim("a", 10, Duration.ofMinutes(1));

        assertThat(record("a", List.of(id), Outcome.giveBack("stopping"), null)).isEqualTo(1);

        List<ClaimedEvent> again = store.claim("b", 10, Duration.ofMinutes(1));
        assertThat(ids(again)).containsExactly(id);
        assertThat(again.get(0).attempt()).isEqualTo(1);
    }

    @Test
    void retentionDeletesOnlyOldDeliveredEventsInBatches() throws SQLException {
        List<UUID> written = Events.write("order", "order.created", "1", "2", "3", "4");
        store.claim("a", 10, Duration.ofMinutes(1));
        record("a", written.subList(0, 3), Outcome.DELIVERED, null);
        Events.sql()
                .execute("UPDATE outbox_event SET delivered_at = now() - interval '8 days'" + " WHERE id IN ('"
                        + written.get(0) + "', '" + written.get(1) + "')");

        assertThat(store.purgeDelivered(Duration.ofDays(7), 1)).isEqualTo(1);
        assertThat(store.purgeDelivered(Duration.ofDays(7), 10)).isEqualTo(1);
        assertThat(store.purgeDelivered(Duration.ofDays(7), 10)).isZero();

        Set<Object> left = new HashSet<>();
        Events.sql().query("SELECT id FROM outbox_event").forEach(r -> left.add(UUID.fromString((String) r.get("id"))));
        assertThat(left).containsExactlyInAnyOrder(written.get(2), written.get(3));
    }

    @Test
    void commitsNotifyOnlyWhileAPublisherSleeps() throws Exception {
        Events.sql().execute("DELETE FROM outbox_listener");
        try (java.sql.Connection listen = Events.db().getConnection()) {
            listen.createStatement().execute("LISTEN ledgerbox_outbox");
            org.postgresql.PGConnection pg = listen.unwrap(org.postgresql.PGConnection.class);

            Events.write("order", "order.created", "busy");
            assertThat(pg.getNotifications(500))
                    .as("no publisher sleeps: no NOTIFY")
                    .isNullOrEmpty();

            store.sleeping("idle-publisher");
            Thread.sleep(SleepingPublishers.WRITER_TRUSTS_A_LOOK_FOR.toMillis() + 1); // the writer's look is stale
            Events.write("order", "order.created", "idle");
            assertThat(pg.getNotifications(5000))
                    .as("a publisher sleeps: NOTIFY")
                    .isNotEmpty();

            store.awake("idle-publisher");
            Events.write("order", "order.created", "busy-again");
            assertThat(pg.getNotifications(500)).isNullOrEmpty();
        }
    }

    @Test
    void statusCountsPerTypeAndTheOldestWaitingEvent() throws SQLException {
        List<UUID> written = Events.write("order", "order.created", "1", "2");
        Events.write("member", "member.invited", "9");
        store.claim("a", 1, Duration.ofMinutes(1));
        record("a", List.of(written.get(0)), Outcome.DELIVERED, null);
        Events.sql()
                .execute("UPDATE outbox_event SET occurred_at = now() - interval '10 minutes'"
                        + " WHERE type = 'member.invited'");

        OutboxStore.Status status = store.status();

        assertThat(status.totals()).containsEntry("DELIVERED", 1L).containsEntry("PENDING", 2L);
        assertThat(status.byType().get("order.created"))
                .containsEntry("DELIVERED", 1L)
                .containsEntry("PENDING", 1L);
        assertThat(status.oldestPending()).isGreaterThan(Duration.ofMinutes(9));
    }

    @Test
    void theLagIsTheAgeOfTheEventAtTheHeadOfTheQueue() throws SQLException {
        assertThat(store.lag()).as("nothing waits").isZero();

        // alone, an event waiting for its retry time is the head of the queue
        Events.write("order", "order.created", "1");
        Events.sql()
                .execute("UPDATE outbox_event SET status = 'FAILED', attempts = 3,"
                        + " occurred_at = now() - interval '2 hours', next_attempt_at = now() + interval '10 minutes'");
        assertThat(store.lag()).isBetween(Duration.ofMinutes(119), Duration.ofMinutes(121));

        // events due before its retry time come first: it is behind them in the queue, not lag
        Events.write("order", "order.created", "2");
        assertThat(store.lag()).isLessThan(Duration.ofSeconds(5));

        // one written ten minutes ago and not delivered yet is
        Events.write("member", "member.invited", "9");
        Events.sql()
                .execute("UPDATE outbox_event SET occurred_at = now() - interval '10 minutes',"
                        + " next_attempt_at = now() - interval '10 minutes' WHERE type = 'member.invited'");
        assertThat(store.lag()).isBetween(Duration.ofMinutes(9), Duration.ofMinutes(11));
    }
}
