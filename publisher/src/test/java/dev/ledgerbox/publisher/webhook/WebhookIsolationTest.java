package dev.ledgerbox.publisher.webhook;

import static dev.ledgerbox.publisher.webhook.Webhooks.await;
import static dev.ledgerbox.publisher.webhook.Webhooks.sql;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.publisher.webhook.Receiver.Reply;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** One bad endpoint cannot slow the others: per-endpoint slots and a circuit breaker. */
class WebhookIsolationTest extends ReceiverTest {

    private static long delivered(UUID endpointId) throws Exception {
        return Webhooks.deliveries(endpointId).stream()
                .filter(d -> d.get("status").equals("DELIVERED"))
                .count();
    }

    @Test
    void aHangingEndpointHoldsOnlyItsOwnSlots() throws Exception {
        healthyGoesOnBeside(1, 8);
    }

    /**
     * Four hanging endpoints together hold twice as many deliveries as the dispatcher's two batches
     * (two rounds of their slots each: two in flight, two waiting): neither those waiting for a
     * slot nor those in flight past {@code slowAfter} stop the claims for the healthy endpoint.
     */
    @Test
    void endpointsHangingTogetherDoNotStopTheClaimsForTheOthers() throws Exception {
        healthyGoesOnBeside(4, 4);
    }

    /**
     * {@code hanging} endpoints of two slots whose receiver answers after their 8 s timeout, and a
     * healthy one: all 40 deliveries to the healthy endpoint arrive well within that timeout, with
     * a dispatcher of {@code concurrency}; each hanging endpoint has its two slots in flight.
     */
    private void healthyGoesOnBeside(int hanging, int concurrency) throws Exception {
        receiver.otherwise(r ->
                r.path().startsWith("/hangs") ? Reply.status(200).after(Duration.ofSeconds(10)) : Reply.status(200));
        UUID[] hangingIds = new UUID[hanging];
        for (int i = 0; i < hanging; i++) {
            hangingIds[i] = Webhooks.endpoints()
                    .add(EndpointSpec.builder(receiver.url("/hangs-" + i))
                            .allowPrivate(true)
                            .timeout(Duration.ofSeconds(8))
                            .maxConcurrency(2)
                            .build())
                    .endpoint()
                    .id();
        }
        UUID healthy =
                Webhooks.endpoint(receiver.url("/healthy"), "*").endpoint().id();
        String[] aggregates = IntStream.range(0, 40).mapToObj(i -> "o-" + i).toArray(String[]::new);
        Webhooks.publish("order", "order.created", aggregates);

        long started = System.nanoTime();
        try (WebhookDispatcher dispatcher =
                Webhooks.dispatcher(clock, Map.of("publisher.webhook.concurrency", Integer.toString(concurrency)))) {
            dispatcher.start();
            await("the healthy endpoint has all 40", sql(() -> delivered(healthy) == 40));
            long tookMillis = (System.nanoTime() - started) / 1_000_000;
            assertThat(tookMillis)
                    .as("not held up by the hanging endpoints' 8 s timeout")
                    .isLessThan(6_000);
            for (int i = 0; i < hanging; i++) {
                assertThat(delivered(hangingIds[i])).isZero();
                assertThat(receiver.received("/hangs-" + i))
                        .as("at most its two slots in flight")
                        .hasSize(2);
            }
        }
    }

    /**
     * An endpoint's attempts that were sent and judged no longer take its slots' rounds while their
     * outcomes wait to be recorded: two rounds of its slots not done yet, four in all. Here the
     * database holds every recording (a trigger on the attempts' update waits for a lock the test
     * holds), and the endpoint of two slots gets eight requests, and no more; counted with those
     * not done, it got four, and its workers waited for the recording between each claim and the next.
     */
    @Test
    void anEndpointSendsOnWhileItsOutcomesWaitToBeRecordedUpToFourRoundsOfItsSlots() throws Exception {
        UUID endpoint = Webhooks.endpoints()
                .add(EndpointSpec.builder(receiver.url("/recorded-late"))
                        .allowPrivate(true)
                        .maxConcurrency(2)
                        .build())
                .endpoint()
                .id();
        String[] aggregates = IntStream.range(0, 20).mapToObj(i -> "o-" + i).toArray(String[]::new);
        Webhooks.publish("order", "order.created", aggregates);
        try (Connection lock = Webhooks.db().getConnection();
                Statement s = lock.createStatement()) {
            holdRecordings(s);
            try (WebhookDispatcher dispatcher =
                    Webhooks.dispatcher(clock, Map.of("publisher.webhook.concurrency", "4"))) {
                dispatcher.start();
                exactlyWhileRecordingsAreHeld(s, "/recorded-late", 8, "four rounds of its two slots");
                await("everything is delivered", sql(() -> delivered(endpoint) == 20));
            } finally {
                s.execute("DROP TRIGGER test_recording_waits ON webhook_attempt");
                s.execute("DROP FUNCTION test_recording_waits()");
            }
        }
    }

    /**
     * Waits for {@code n} requests to {@code path} in all while the recordings are held, then for
     * a claim that could come, asserts that none came, and lets the recordings go.
     */
    private void exactlyWhileRecordingsAreHeld(Statement s, String path, int n, String what) throws Exception {
        try {
            await(n + " requests", () -> receiver.received(path).size() == n);
            Thread.sleep(500); // a claim that could come would come now
            assertThat(receiver.received(path)).as(what).hasSize(n);
        } finally {
            s.execute("SELECT pg_advisory_unlock(4242)");
        }
    }

    /**
     * Holds every recording of an attempt from now on: a trigger on the attempts' update waits for
     * an advisory lock this session takes (released with {@code pg_advisory_unlock(4242)}).
     */
    private static void holdRecordings(Statement s) throws SQLException {
        s.execute("SELECT pg_advisory_lock(4242)");
        s.execute(
                """
                CREATE OR REPLACE FUNCTION test_recording_waits() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN PERFORM pg_advisory_xact_lock(4242); RETURN NEW; END $$
                """);
        s.execute("CREATE TRIGGER test_recording_waits BEFORE UPDATE ON webhook_attempt"
                + " FOR EACH ROW EXECUTE FUNCTION test_recording_waits()");
    }

    /**
     * A recording the database refused is tried again; its attempts leave the endpoint's count in
     * hand once, however many tries it took. Counted down at each try, the endpoint's bound of four
     * rounds grew by two attempts for each refusal: here the first two recordings are refused, and
     * afterwards, with every recording held, the endpoint of two slots still gets eight requests
     * (it got twelve).
     */
    @Test
    void aRecordingTriedAgainTakesItsAttemptsOutOfTheEndpointsCountOnce() throws Exception {
        UUID endpoint = Webhooks.endpoints()
                .add(EndpointSpec.builder(receiver.url("/refused-once"))
                        .allowPrivate(true)
                        .maxConcurrency(2)
                        .build())
                .endpoint()
                .id();
        try (Connection lock = Webhooks.db().getConnection();
                Statement s = lock.createStatement()) {
            s.execute("CREATE SEQUENCE test_refusals");
            s.execute(
                    """
                    CREATE FUNCTION test_recording_refused() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        IF nextval('test_refusals') <= 2 THEN RAISE EXCEPTION 'recording refused'; END IF;
                        RETURN NEW;
                    END $$
                    """);
            s.execute("CREATE TRIGGER test_recording_refused BEFORE UPDATE ON webhook_attempt"
                    + " FOR EACH ROW EXECUTE FUNCTION test_recording_refused()");
            try (WebhookDispatcher dispatcher =
                    Webhooks.dispatcher(clock, Map.of("publisher.webhook.concurrency", "4"))) {
                Webhooks.publish("order", "order.created", "a", "b");
                dispatcher.start();
                await("the first two delivered, recorded at the third try", sql(() -> delivered(endpoint) == 2));
                s.execute("DROP TRIGGER test_recording_refused ON webhook_attempt");
                holdRecordings(s);
                String[] aggregates =
                        IntStream.range(0, 20).mapToObj(i -> "o-" + i).toArray(String[]::new);
                Webhooks.publish("order", "order.created", aggregates);
                dispatcher.wake();
                exactlyWhileRecordingsAreHeld(s, "/refused-once", 10, "two, then four rounds of its two slots");
                await("everything is delivered", sql(() -> delivered(endpoint) == 22));
            } finally {
                s.execute("DROP TRIGGER IF EXISTS test_recording_refused ON webhook_attempt");
                s.execute("DROP TRIGGER IF EXISTS test_recording_waits ON webhook_attempt");
                s.execute("DROP FUNCTION test_recording_refused()");
                s.execute("DROP FUNCTION IF EXISTS test_recording_waits()");
                s.execute("DROP SEQUENCE test_refusals");
            }
        }
    }

    @Test
    void theCircuitOpensAfterRepeatedFailuresAndAProbeClosesIt() throws Exception {
        receiver.otherwise(r -> r.path().equals("/down") ? Reply.status(502) : Reply.status(200));
        UUID down = Webhooks.endpoint(receiver.url("/down"), "*").endpoint().id();
        String[] aggregates = IntStream.range(0, 20).mapToObj(i -> "o-" + i).toArray(String[]::new);
        Webhooks.publish("order", "order.created", aggregates);

        try (WebhookDispatcher dispatcher = Webhooks.dispatcher(
                clock,
                Map.of(
                        "publisher.webhook.circuit.failures", "3",
                        "publisher.webhook.circuit.open", "1m",
                        "publisher.webhook.concurrency", "1"))) {
            dispatcher.start();
            await("three failures", () -> receiver.received("/down").size() >= 3);
            Thread.sleep(500);
            assertThat(receiver.received("/down"))
                    .as("the circuit is open: no more attempts")
                    .hasSize(3);
            assertThat(sql().query("SELECT count(*) AS n FROM webhook_delivery WHERE attempts = 0"))
                    .as("waiting deliveries spend none of their attempts")
                    .containsExactly(Map.of("n", "17"));

            receiver.otherwise(r -> Reply.status(200));
            clock.advance(Duration.ofSeconds(61)); // half-open: one probe; its success closes the circuit
            dispatcher.wake();
            await("everything is delivered", sql(() -> delivered(down) == 20));
        }
    }
}
