package dev.ledgerbox.publisher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.publisher.app.Daemon;
import dev.ledgerbox.publisher.spi.ClaimedEvent;
import dev.ledgerbox.publisher.spi.Outcome;
import dev.ledgerbox.publisher.spi.Sink;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The whole daemon in this JVM, against a real PostgreSQL, with a recording sink. */
class PublisherTest {

    final RecordingSink sink = sink();

    /** The sink every test delivers to: one that may call the network, delivered outside any transaction. */
    RecordingSink sink() {
        return new RecordingSink(false);
    }

    Daemon daemon;

    @BeforeEach
    void empty() throws SQLException {
        Events.clear();
    }

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    Daemon start(Map<String, String> settings) throws Exception {
        daemon = new Daemon(Events.settings(settings), sink).start();
        return daemon;
    }

    /** Waits for a condition that the daemon brings about; fails after 30 s. */
    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Events.await(what, condition);
    }

    static boolean allDelivered() {
        try {
            return Events.sql()
                    .query("SELECT count(*) AS n FROM outbox_event WHERE status <> 'DELIVERED'")
                    .get(0)
                    .get("n")
                    .equals("0");
        } catch (SQLException e) {
            return false;
        }
    }

    @Test
    void deliversEveryEventOnceInItsAggregatesOrderWithTheTraceAndCorrelationInTheMdc() throws Exception {
        ExecutorService writers = Executors.newFixedThreadPool(4);
        List<Future<?>> writing = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            writing.add(writers.submit(() -> {
                for (int i = 0; i < 50; i++) {
                    Events.write("order", "order.changed", "a" + (i % 5)); // 5 aggregates, many events each
                }
                return null;
            }));
        }
        start(Map.of("publisher.concurrency", "8", "publisher.batch-size", "16"));
        for (Future<?> f : writing) {
            f.get();
        }
        writers.shutdown();
        await("all 200 events are delivered", PublisherTest::allDelivered);

        assertThat(sink.deliveries).hasSize(200);
        assertThat(sink.overlapSeen)
                .as("two events of one aggregate delivered at once")
                .isFalse();
        for (int a = 0; a < 5; a++) {
            int aggregate = a;
            List<Long> seqs = sink.deliveries.stream()
                    .filter(d -> d.event().aggregateId().equals("a" + aggregate))
                    .map(d -> d.event().aggregateSeq())
                    .toList();
            assertThat(seqs).isSorted();
        }
        RecordingSink.Delivery first = sink.deliveries.get(0);
        assertThat(first.mdc())
                .containsEntry("correlation_id", first.event().correlationId())
                .containsEntry("trace_id", "0af7651916cd43dd8448eb211c80319c")
                .containsEntry("event_id", first.event().id().toString())
                .containsKey("span_id");
    }

    /**
     * A fresh (or truncated, or purged) outbox has statistics that say it is empty. Claims planned
     * then must not stay planned that way: a burst into such a table drains at the usual pace, not
     * in time quadratic in the backlog until autovacuum's next ANALYZE.
     */
    @Test
    void drainsABurstIntoAFreshTableWithoutWaitingForStatistics() throws Exception {
        // statistics as autovacuum leaves them after a drain: every row delivered; then the table is emptied
        Events.sql()
                .execute("INSERT INTO outbox_event (id, aggregatetype, aggregateid, type, payload, aggregate_seq,"
                        + " occurred_at, status) SELECT gen_random_uuid(), 'order', 'old-' || i, 'order.created',"
                        + " '{}'::jsonb, 1, now(), 'DELIVERED' FROM generate_series(1, 20000) AS i");
        Events.sql().execute("ANALYZE outbox_event");
        Events.clear();
        AtomicInteger delivered = new AtomicInteger();
        Sink counting = new Sink() {
            @Override
            public String name() {
                return "counting";
            }

            @Override
            public Outcome deliver(ClaimedEvent event) {
                delivered.incrementAndGet();
                return Outcome.DELIVERED;
            }
        };
        daemon = new Daemon(
                        Events.settings(Map.of("publisher.batch-size", "500", "publisher.poll-interval", "20ms")),
                        counting)
                .start();
        for (int i = 0; i < 20; i++) {
            Events.write("order", "order.created", "warm-" + i);
            int expected = i + 1;
            await("warm-up event " + i + " is delivered", () -> delivered.get() == expected);
        }
        Thread.sleep(500); // many more claims, all planned against a table of a few rows

        Events.sql()
                .execute("INSERT INTO outbox_event (id, aggregatetype, aggregateid, type, payload, aggregate_seq,"
                        + " occurred_at) SELECT gen_random_uuid(), 'order', 'burst-' || (i % 5000), 'order.changed',"
                        + " '{}'::jsonb, i / 5000 + 1, now() FROM generate_series(0, 29999) AS i");
        long started = System.nanoTime();
        await("the burst of 30,000 events is delivered", PublisherTest::allDelivered);
        long millis = (System.nanoTime() - started) / 1_000_000L;

        assertThat(delivered).hasValue(30_020);
        assertThat(millis)
                .as("milliseconds to drain 30,000 events (about two at the usual pace)")
                .isLessThan(10_000);
    }

    @Test
    void wakesOnCommitRatherThanWaitingForThePoll() throws Exception {
        start(Map.of("publisher.poll-interval", "10m"));
        Thread.sleep(500); // the loop is asleep now, for ten minutes unless woken

        UUID id = Events.write("order", "order.created", "1").get(0);

        await("the event is delivered", () -> sink.deliveries.stream()
                .anyMatch(d -> d.event().id().equals(id)));
    }

    @Test
    void retriesWithBackoffThenDeadLettersAfterTheLastAttempt() throws Exception {
        sink.answer = e -> Outcome.retry("receiver said 503");
        UUID id = Events.write("order", "order.created", "1").get(0);

        start(Map.of("publisher.max-attempts", "3", "publisher.retry.base", "50ms"));
        await("the event is dead", () -> {
            try {
                return Events.status(id).equals("DEAD");
            } catch (SQLException e) {
                return false;
            }
        });

        assertThat(sink.deliveries).hasSize(3);
        assertThat(sink.deliveries).extracting(d -> d.event().attempt()).containsExactly(1, 2, 3);
        assertThat(Events.row(id)).containsEntry("last_error", "gave up after 3 attempts: receiver said 503");
    }

    @Test
    void aMalformedRowIsDeadWithItsReasonAndTheLoopGoesOn() throws Exception {
        UUID bad = UUID.randomUUID();
        Events.sql()
                .execute("INSERT INTO outbox_event (id, aggregatetype, aggregateid, type, payload, aggregate_seq,"
                        + " occurred_at, headers) VALUES ('" + bad + "', 'order', 'x', 'order.created', '{}', 1, now(),"
                        + " '[1, 2]')");
        UUID good = Events.write("order", "order.created", "y").get(0);

        start(Map.of());
        await("the good event is delivered", () -> sink.deliveries.stream()
                .anyMatch(d -> d.event().id().equals(good)));
        await("the bad one is dead", () -> {
            try {
                return Events.status(bad).equals("DEAD");
            } catch (SQLException e) {
                return false;
            }
        });

        assertThat(Events.row(bad)).containsEntry("last_error", "malformed event: its headers are not a JSON object");
        assertThat(sink.deliveries).noneMatch(d -> d.event().id().equals(bad));
    }

    @Test
    void eventsOfRolledBackTransactionsAreNeverSeen() throws Exception {
        start(Map.of());
        try (Connection c = Events.db().getConnection()) {
            c.setAutoCommit(false);
            Events.WRITER.write(
                    c,
                    dev.ledgerbox.outbox.OutboxEvent.of("order", "rb", "order.created", Map.of()),
                    "corr",
                    dev.ledgerbox.outbox.spi.TraceContext.NONE,
                    () -> "test");
            Thread.sleep(500); // the publisher polls meanwhile
            c.rollback();
        }
        UUID after = Events.write("order", "order.created", "later").get(0);
        await("the later event is delivered", () -> sink.deliveries.stream()
                .anyMatch(d -> d.event().id().equals(after)));

        assertThat(sink.deliveries).noneMatch(d -> d.event().aggregateId().equals("rb"));
    }

    @Test
    void servesHealthAndPrometheusMetrics() throws Exception {
        Events.write("order", "order.created", "1", "2");
        start(Map.of());
        await("both events are delivered", PublisherTest::allDelivered);
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://localhost:" + daemon.httpPort();

        await("the daemon is ready", () -> get(http, base + "/health/ready").statusCode() == 200);
        HttpResponse<String> live = get(http, base + "/health/live");
        HttpResponse<String> metrics = get(http, base + "/metrics");

        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(live.body()).contains("\"status\":\"UP\"").contains("claim-loop");
        assertThat(metrics.body())
                .contains("ledgerbox_events_delivered_total{sink=\"recording\",type=\"order.created\"} 2.0")
                .contains("ledgerbox_outbox_lag_seconds")
                .contains("ledgerbox_delivery_latency_seconds_bucket")
                .contains("ledgerbox_claim_batch_size");
    }

    @Test
    void theHealthServerListensOnTheConfiguredAddressOnly() throws Exception {
        start(Map.of("publisher.http.host", "127.0.0.1"));

        assertThat(daemon.httpAddress().getAddress().isLoopbackAddress()).isTrue();
        assertThat(get(HttpClient.newHttpClient(), "http://127.0.0.1:" + daemon.httpPort() + "/health/live")
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void isNotReadyWhileTheOldestEventIsTooOld() throws Exception {
        sink.answer = e -> Outcome.retry("down");
        Events.write("order", "order.created", "1");
        Events.sql().execute("UPDATE outbox_event SET occurred_at = now() - interval '1 hour'");
        start(Map.of("publisher.ready.max-lag", "5m", "publisher.retry.base", "5m"));
        HttpClient http = HttpClient.newHttpClient();

        await("readiness reports the lag", () -> {
            HttpResponse<String> ready = get(http, "http://localhost:" + daemon.httpPort() + "/health/ready");
            return ready.statusCode() == 503 && ready.body().contains("{\"name\":\"lag\",\"status\":\"DOWN\"}");
        });
    }

    @Test
    void startsWithoutTheDatabaseAndReportsNotReady() throws Exception {
        start(Map.of("publisher.jdbc.url", "jdbc:postgresql://localhost:1/nowhere"));
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://localhost:" + daemon.httpPort();

        await("readiness reports the database down", () -> {
            HttpResponse<String> ready = get(http, base + "/health/ready");
            return ready.statusCode() == 503 && ready.body().contains("{\"name\":\"database\",\"status\":\"DOWN\"}");
        });
        assertThat(get(http, base + "/health/live").statusCode()).isEqualTo(200);
        assertThat(daemon.publisher().databaseReachable()).isFalse();
    }

    @Test
    void stopsGracefullyFinishingTheBatchInHand() throws Exception {
        sink.answer = e -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            return Outcome.DELIVERED;
        };
        Events.write("order", "order.created", "1", "2", "3");
        start(Map.of("publisher.concurrency", "3"));
        await("deliveries are under way", () -> !sink.deliveries.isEmpty());

        daemon.close();
        daemon = null;

        assertThat(Events.sql().query("SELECT status FROM outbox_event"))
                .extracting(r -> r.get("status"))
                .containsOnly("DELIVERED");
    }

    private static HttpResponse<String> get(HttpClient http, String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(url + ": " + e, e);
        }
    }
}
