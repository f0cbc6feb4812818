package dev.ledgerbox.inbox;

import static dev.ledgerbox.inbox.Inboxes.row;
import static dev.ledgerbox.inbox.Inboxes.signed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ledgerbox.inbox.Reception.Disposition;
import dev.ledgerbox.outbox.Correlation;
import dev.ledgerbox.publisher.engine.RetryPolicy;
import dev.ledgerbox.testing.Await;
import dev.ledgerbox.testing.MutableClock;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Processing after the request, on the work engine: asynchronous sources, retries on the engine's
 * clock, dead letters, messages a crash left behind, leases run out, replays and retention. The
 * handler writes a business row in its own transaction, with the message's correlation id.
 */
class InboxBackgroundTest {

    static final String PAID = InboxTest.PAID;

    final MutableClock clock = new MutableClock();
    final AtomicInteger runs = new AtomicInteger();
    final AtomicBoolean broken = new AtomicBoolean();
    final List<Inbox> opened = new ArrayList<>();

    /** Marks the order paid, once per key, in its own transaction: the application's write. */
    final InboxHandler markPaid = m -> {
        runs.incrementAndGet();
        if (broken.get()) {
            throw new IllegalStateException("relation \"payment\" is locked for a migration");
        }
        try (Connection c = Inboxes.db().getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO test_payment (webhook_id, correlation_id)"
                        + " VALUES (?, ?) ON CONFLICT (webhook_id) DO NOTHING")) {
            ps.setString(1, m.idempotencyKey());
            ps.setString(2, Correlation.current().orElse(null));
            ps.executeUpdate();
        }
        return HandlerResult.ok("paid").withOutcome("payment " + m.idempotencyKey());
    };

    @BeforeEach
    void setUp() throws SQLException {
        Inboxes.clear();
        Inboxes.sql()
                .execute("CREATE TABLE IF NOT EXISTS test_payment (webhook_id text PRIMARY KEY, correlation_id text)");
        Inboxes.sql().execute("TRUNCATE test_payment");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Inbox inbox : opened) {
            inbox.close();
        }
    }

    Inbox inbox(InboxSource.Mode mode, String owner) {
        Inbox inbox = Inbox.builder(Inboxes.db())
                .source(
                        InboxSource.builder("payments")
                                .key(IdempotencyKey.header("webhook-id"))
                                .mode(mode)
                                .build(),
                        markPaid)
                .clock(clock)
                .owner(owner)
                .lease(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(20))
                .retryPolicy(new RetryPolicy(
                        List.of(Duration.ofSeconds(10), Duration.ofSeconds(10)), 0, Duration.ofHours(1), () -> 0.5))
                .build();
        opened.add(inbox);
        return inbox;
    }

    interface Check {
        boolean holds() throws Exception;
    }

    static void await(String what, Check condition) throws InterruptedException {
        Await.until(what, () -> {
            try {
                return condition.holds();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    static String status(long id) throws SQLException {
        return (String) row(id).get("status");
    }

    @Test
    void anAsynchronousSourceIsAnswered202AtOnceAndProcessedInTheBackgroundWithItsCorrelation() throws Exception {
        Inbox inbox = inbox(InboxSource.Mode.ASYNC, "a").start();

        Reception r = inbox.receive(signed("payments", "msg_a1", PAID, clock.instant())
                .header("x-correlation-id", "provider-7")
                .build());

        assertThat(r.disposition()).isEqualTo(Disposition.ACCEPTED);
        assertThat(r.status()).isEqualTo(202);
        await("the message is processed", () -> status(r.messageId()).equals("PROCESSED"));
        assertThat(Inboxes.sql().query("SELECT * FROM test_payment"))
                .containsExactly(Map.of("webhook_id", "msg_a1", "correlation_id", "provider-7"));
        // one join from the provider's delivery to what it changed
        assertThat(Inboxes.sql()
                        .query(
                                "SELECT m.idempotency_key, p.webhook_id FROM inbox_message m"
                                        + " JOIN test_payment p ON p.correlation_id = m.correlation_id WHERE m.id = ?",
                                r.messageId()))
                .hasSize(1);
        Reception again = inbox.receive(
                signed("payments", "msg_a1", PAID, clock.instant()).build());
        assertThat(again.disposition()).isEqualTo(Disposition.DUPLICATE);
        assertThat(again.body()).isEqualTo("paid");
    }

    @Test
    void twoInstancesShareTheBackgroundWorkAndRunEachMessageOnce() throws Exception {
        java.util.Map<String, AtomicInteger> perKey = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.Map<String, AtomicInteger> perOwner = new java.util.concurrent.ConcurrentHashMap<>();
        List<Inbox> two = new ArrayList<>();
        for (String owner : List.of("instance-a", "instance-b")) {
            InboxHandler counting = m -> {
                perKey.computeIfAbsent(m.idempotencyKey(), k -> new AtomicInteger())
                        .incrementAndGet();
                perOwner.computeIfAbsent(owner, k -> new AtomicInteger()).incrementAndGet();
                Thread.sleep(2); // long enough for both instances to hold work at once
                return HandlerResult.ok("done");
            };
            Inbox inbox = Inbox.builder(Inboxes.db())
                    .source(
                            InboxSource.builder("payments")
                                    .key(IdempotencyKey.header("webhook-id"))
                                    .mode(InboxSource.Mode.ASYNC)
                                    .build(),
                            counting)
                    .owner(owner)
                    .batchSize(10)
                    .pollInterval(Duration.ofMillis(20))
                    .build();
            opened.add(inbox);
            two.add(inbox);
        }
        for (int i = 0; i < 300; i++) {
            two.get(i % 2)
                    .receive(signed("payments", "msg_" + i, PAID, clock.instant())
                            .build());
        }
        two.forEach(Inbox::start);

        await("all 300 are processed", () -> Inboxes.sql()
                .query("SELECT count(*) AS n FROM inbox_message WHERE status = 'PROCESSED'")
                .get(0)
                .get("n")
                .equals("300"));
        assertThat(perKey).hasSize(300);
        assertThat(perKey.values()).allSatisfy(n -> assertThat(n).hasValue(1));
        assertThat(perOwner).as("both instances took work").hasSize(2);
    }

    @Test
    void failuresAreRetriedOnTheSchedulesClockThenDeadThenReplayedWithWhoAndWhy() throws Exception {
        broken.set(true);
        Inbox inbox = inbox(InboxSource.Mode.ASYNC, "a").start();
        long id = inbox.receive(
                        signed("payments", "msg_f", PAID, clock.instant()).build())
                .messageId();

        await("the first attempt failed", () -> status(id).equals("FAILED"));
        assertThat(row(id))
                .containsEntry("attempts", "1")
                .containsEntry("error_message", "relation \"payment\" is locked for a migration");
        Thread.sleep(200);
        assertThat(runs).as("no retry before its time").hasValue(1);

        clock.advance(Duration.ofSeconds(11));
        await("the second attempt failed", () -> row(id).get("attempts").equals("2"));
        clock.advance(Duration.ofSeconds(11));
        await("the third and last attempt left it dead", () -> status(id).equals("DEAD"));
        assertThat(runs).hasValue(3);

        assertThatThrownBy(() -> inbox.replay(InboxReplayFilter.source("payments"), "", "fixed"))
                .isInstanceOf(InboxException.class)
                .hasMessageContaining("who asks for it and why");
        broken.set(false);
        assertThat(inbox.replay(InboxReplayFilter.source("payments"), "alice", "migration finished"))
                .isEqualTo(1);

        await("the replay processed it", () -> status(id).equals("PROCESSED"));
        assertThat(Inboxes.sql().query("SELECT requested_by, reason, messages, filter::text FROM inbox_replay"))
                .containsExactly(Map.of(
                        "requested_by", "alice",
                        "reason", "migration finished",
                        "messages", "1",
                        "filter", "{\"source\": \"payments\"}"));
        assertThat(row(id).get("replay_id")).isNotNull();
        assertThat(Inboxes.sql().query("SELECT count(*) AS n FROM test_payment"))
                .containsExactly(Map.of("n", "1"));
    }

    @Test
    void aMessageCapturedByARequestThatDiedIsProcessedByTheBackgroundOnceItsLeaseRunsOut() throws Exception {
        Inbox capturing = inbox(InboxSource.Mode.SYNC, "died");
        CountDownLatch inHandler = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        ExecutorService request = Executors.newSingleThreadExecutor();
        Future<Reception> hanging = request.submit(() -> capturing.receive(
                signed("payments", "msg_crash", PAID, clock.instant()).build(), m -> {
                    inHandler.countDown();
                    never.await(); // the request thread hangs (or its JVM dies) mid-processing
                    return HandlerResult.ok("too late");
                }));
        inHandler.await();
        long id = (Long) Long.valueOf((String) Inboxes.sql()
                .query("SELECT id FROM inbox_message WHERE idempotency_key = 'msg_crash'")
                .get(0)
                .get("id"));
        assertThat(status(id)).isEqualTo("PROCESSING");

        Inbox survivor = inbox(InboxSource.Mode.SYNC, "survivor").start();
        Thread.sleep(200);
        assertThat(runs).as("not taken while the lease holds").hasValue(0);
        clock.advance(Duration.ofSeconds(31));

        await("the survivor processed it", () -> status(id).equals("PROCESSED"));
        assertThat(row(id)).containsEntry("response_body", "paid").containsEntry("attempts", "2");
        never.countDown();
        assertThat(hanging.get().status()).isEqualTo(200);
        assertThat(row(id)).as("the late finisher no longer holds it").containsEntry("response_body", "paid");
        request.shutdown();
        survivor.close();
    }

    @Test
    void retentionDeletesFinishedMessagesAndKeepsFailedOnes() throws Exception {
        broken.set(true);
        Inbox inbox = inbox(InboxSource.Mode.SYNC, "a");
        long failed = inbox.receive(signed("payments", "msg_old_failed", PAID, clock.instant())
                        .build())
                .messageId();
        broken.set(false);
        long processed = inbox.receive(
                        signed("payments", "msg_old", PAID, clock.instant()).build())
                .messageId();
        long duplicate = inbox.receive(
                        signed("payments", "msg_old", PAID, clock.instant()).build())
                .messageId();
        Inboxes.sql().execute("UPDATE inbox_message SET received_at = now() - interval '100 days'");
        long recent = inbox.receive(
                        signed("payments", "msg_new", PAID, clock.instant()).build())
                .messageId();

        assertThat(inbox.purge(Duration.ofDays(90), 1)).isEqualTo(2);

        assertThat(Inboxes.sql().query("SELECT id FROM inbox_message ORDER BY id"))
                .extracting(r -> Long.parseLong((String) r.get("id")))
                .containsExactly(failed, recent)
                .doesNotContain(processed, duplicate);
    }

    @Test
    void retentionKeepsARecentDuplicateOfADeletedMessageAndClearsItsLink() throws Exception {
        Inbox inbox = inbox(InboxSource.Mode.SYNC, "a");
        long first = inbox.receive(
                        signed("payments", "msg_x", PAID, clock.instant()).build())
                .messageId();
        inbox.awaitOutcomes();
        Inboxes.sql().execute("UPDATE inbox_message SET received_at = now() - interval '100 days'");
        Reception again =
                inbox.receive(signed("payments", "msg_x", PAID, clock.instant()).build());
        assertThat(again.disposition()).isEqualTo(Disposition.DUPLICATE);
        String duplicate = (String) Inboxes.sql()
                .query("SELECT id FROM inbox_message WHERE duplicate_of = ?", first)
                .get(0)
                .get("id");

        assertThat(inbox.purge(Duration.ofDays(90), 10)).isEqualTo(1);

        assertThat(Inboxes.sql().query("SELECT id, status, duplicate_of FROM inbox_message"))
                .extracting(r -> r.get("id"), r -> r.get("status"), r -> r.get("duplicate_of"))
                .containsExactly(org.assertj.core.groups.Tuple.tuple(duplicate, "DUPLICATE", null));
    }
}
