package dev.ledgerbox.publisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ledgerbox.publisher.outbox.OutboxStore;
import dev.ledgerbox.publisher.spi.ClaimedEvent;
import dev.ledgerbox.publisher.spi.Handoff;
import dev.ledgerbox.publisher.spi.Outcome;
import dev.ledgerbox.publisher.spi.WorkResult;
import dev.ledgerbox.testing.SqlRows;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A local sink's events claimed, delivered and marked in one transaction ({@code
 * OutboxStore.deliverInOneTransaction}), against a real PostgreSQL.
 */
class OutboxInOneTransactionTest {

    final OutboxStore store = new OutboxStore(Events.db());

    @BeforeEach
    void empty() throws SQLException {
        Events.clear();
    }

    private static Function<ClaimedEvent, WorkResult<ClaimedEvent>> answering(Function<ClaimedEvent, Outcome> outcome) {
        return e -> {
            Outcome o = outcome.apply(e);
            Instant retryAt = o instanceof Outcome.Retry ? Instant.now().plusSeconds(3600) : null;
            return new WorkResult<>(e, o, retryAt, Instant.now());
        };
    }

    private List<WorkResult<ClaimedEvent>> deliver(int max, Function<ClaimedEvent, Outcome> outcome)
            throws SQLException {
        return store.deliverInOneTransaction(max, Duration.ofMinutes(1), answering(outcome), Handoff.NONE);
    }

    @Test
    void aDeliveredEventsRowChangesOnceWhereAClaimAndItsOutcomeChangeItTwice() throws Exception {
        String[] aggregates = IntStream.range(0, 50).mapToObj(i -> "one-" + i).toArray(String[]::new);
        List<UUID> written = Events.write("order", "order.created", aggregates);
        SqlRows.Updates before = Events.sql().updates("outbox_event");

        List<WorkResult<ClaimedEvent>> results = deliver(100, e -> Outcome.DELIVERED);

        assertThat(results).extracting(r -> r.work().id()).containsExactlyElementsOf(written);
        assertThat(Events.sql().updatesSince("outbox_event", before, 50).all())
                .as("row changes")
                .isEqualTo(50);
        Map<String, Object> row = Events.row(written.get(0));
        assertThat(row).containsEntry("status", "DELIVERED").containsEntry("attempts", "1");
        assertThat(row.get("delivered_at")).isNotNull();
        assertThat(row.get("claimed_by")).isNull();

        // the same events the other way: a claim, then its outcome
        Events.clear();
        Events.write("order", "order.created", aggregates);
        before = Events.sql().updates("outbox_event");
        List<ClaimedEvent> claimed = store.claim("a", 100, Duration.ofMinutes(1));
        store.record(
                "a", claimed.stream().map(answering(e -> Outcome.DELIVERED)).toList(), Handoff.NONE);
        assertThat(Events.sql().updatesSince("outbox_event", before, 100).all())
                .as("row changes claimed apart")
                .isEqualTo(100);
    }

    @Test
    void outcomesOtherThanDeliveredAreRecordedInTheSameTransaction() throws Exception {
        List<UUID> written = Events.write("order", "order.created", "ok", "retry", "dead", "back");
        Events.sql().execute("UPDATE outbox_event SET status = 'FAILED', attempts = 2 WHERE aggregateid = 'back'");

        deliver(10, e -> switch (e.aggregateId()) {
            case "retry" -> Outcome.retry("disk full");
            case "dead" -> Outcome.dead("malformed");
            case "back" -> Outcome.giveBack("stopping");
            default -> Outcome.DELIVERED;
        });

        assertThat(Events.row(written.get(0))).containsEntry("status", "DELIVERED");
        Map<String, Object> retried = Events.row(written.get(1));
        assertThat(retried)
                .containsEntry("status", "FAILED")
                .containsEntry("last_error", "disk full")
                .containsEntry("attempts", "1")
                .containsEntry("delivered_at", null);
        assertThat(Events.row(written.get(2)))
                .containsEntry("status", "DEAD")
                .containsEntry("last_error", "malformed")
                .containsEntry("delivered_at", null);
        assertThat(Events.row(written.get(3)))
                .as("given back: as it was, the attempt not counted")
                .containsEntry("status", "FAILED")
                .containsEntry("attempts", "2")
                .containsEntry("delivered_at", null);
        assertThat(store.claim("a", 10, Duration.ofMinutes(1)))
                .extracting(ClaimedEvent::id)
                .as("only the given-back event is due; the retry waits for its time")
                .containsExactly(written.get(3));
    }

    @Test
    void heldEventsAndTheirAggregatesNextEventsAreSkippedByOtherClaimers() throws Exception {
        List<UUID> written = Events.write("order", "order.changed", "7", "7", "8");
        List<UUID> seenBeside = new ArrayList<>();

        deliver(1, e -> {
            try { // while this transaction holds event 7/1: another claimer, and another local one
                store.claim("b", 10, Duration.ofMinutes(1)).forEach(c -> seenBeside.add(c.id()));
                deliver(10, c -> {
                    seenBeside.add(c.id());
                    return Outcome.DELIVERED;
                });
            } catch (SQLException ex) {
                throw new IllegalStateException(ex);
            }
            return Outcome.DELIVERED;
        });

        assertThat(seenBeside)
                .as("neither the held event nor its aggregate's next one")
                .containsExactly(written.get(2));
        assertThat(deliver(10, e -> Outcome.DELIVERED))
                .extracting(r -> r.work().id())
                .as("after the commit, the next event of the aggregate")
                .containsExactly(written.get(1));
    }

    @Test
    void aCrashBeforeTheCommitLeavesEveryEventAsItWas() throws Exception {
        List<UUID> written = Events.write("order", "order.created", "1", "2", "3");

        assertThatThrownBy(() -> deliver(10, e -> {
                    if (e.aggregateId().equals("3")) {
                        throw new IllegalStateException("the JVM dies here");
                    }
                    return Outcome.DELIVERED;
                }))
                .hasMessageContaining("the JVM dies here");

        for (UUID id : written) {
            assertThat(Events.row(id)).containsEntry("status", "PENDING").containsEntry("attempts", "0");
        }
        assertThat(deliver(10, e -> Outcome.DELIVERED)).hasSize(3);
    }

    @Test
    void aTransactionIdleLongerThanTheLeaseIsEndedAndItsEventsAreFreeAgain() throws Exception {
        List<UUID> written = Events.write("order", "order.created", "1");

        assertThatThrownBy(() -> store.deliverInOneTransaction(
                        10,
                        Duration.ofMillis(200),
                        answering(e -> {
                            try {
                                Thread.sleep(1_000); // a sink that hangs
                            } catch (InterruptedException ex) {
                                Thread.currentThread().interrupt();
                            }
                            return Outcome.DELIVERED;
                        }),
                        Handoff.NONE))
                .isInstanceOf(SQLException.class);

        assertThat(Events.row(written.get(0))).containsEntry("status", "PENDING");
        assertThat(store.claim("b", 10, Duration.ofMinutes(1)))
                .extracting(ClaimedEvent::id)
                .containsExactly(written.get(0));
    }
}
