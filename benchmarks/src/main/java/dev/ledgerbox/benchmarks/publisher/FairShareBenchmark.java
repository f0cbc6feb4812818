package dev.ledgerbox.benchmarks.publisher;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import com.sun.net.httpserver.HttpServer;
import dev.ledgerbox.benchmarks.Harness;
import dev.ledgerbox.publisher.PublisherSettings;
import dev.ledgerbox.publisher.app.Daemon;
import dev.ledgerbox.publisher.outbox.LogSink;
import dev.ledgerbox.publisher.webhook.EndpointSpec;
import dev.ledgerbox.publisher.webhook.SecretBox;
import dev.ledgerbox.publisher.webhook.WebhookEndpoints;
import dev.ledgerbox.testing.EmbeddedDatabase;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.LoggerFactory;

/**
 * Whether one kind of work starves the other: webhook deliveries to one endpoint (its default 8
 * slots, a receiver on loopback answering 204) drained by the whole publisher alone, then again
 * while a backlog of outbox events (logged, routed to no endpoint) drains beside them; durable
 * PostgreSQL. Reports each rate and the webhooks' share: their rate beside the backlog over their
 * rate alone.
 *
 * <pre>
 * ./mvnw -B -pl benchmarks -am -Pbenchmark verify -DskipTests \
 *     -Dbench.main=dev.ledgerbox.benchmarks.publisher.FairShareBenchmark -Dbench.args="deliveries=5000 events=200000"
 * </pre>
 */
public final class FairShareBenchmark {

    private FairShareBenchmark() {}

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = Harness.arguments(argv);
        int deliveries = Integer.parseInt(args.getOrDefault("deliveries", "5000"));
        int events = Integer.parseInt(args.getOrDefault("events", "200000"));
        boolean durable = Boolean.parseBoolean(args.getOrDefault("durable", "true"));
        LoggerContext logs = (LoggerContext) LoggerFactory.getILoggerFactory();
        logs.getLogger("ROOT").setLevel(Level.WARN);
        logs.getLogger("ledgerbox").setLevel(Level.WARN);
        boolean lines = Boolean.parseBoolean(args.getOrDefault("lines", "true"));
        if (lines) { // the event lines as in production: JSON, written synchronously (to a file, not the console)
            FileAppender<ILoggingEvent> file = new FileAppender<>();
            file.setContext(logs);
            file.setFile("target/fair-share-events.log");
            file.setAppend(false);
            LogstashEncoder encoder = new LogstashEncoder();
            encoder.setContext(logs);
            encoder.start();
            file.setEncoder(encoder);
            file.start();
            ch.qos.logback.classic.Logger eventLines = logs.getLogger("ledgerbox.events");
            eventLines.setLevel(Level.INFO);
            eventLines.setAdditive(false);
            eventLines.addAppender(file);
        }

        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
        receiver.createContext("/fast", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        ExecutorService receiving = Executors.newFixedThreadPool(32);
        receiver.setExecutor(receiving);
        receiver.start();
        String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/fast";

        try (EmbeddedDatabase db = EmbeddedDatabase.start(true, 0).migrate("outbox", "webhook");
                Harness harness = new Harness(db, args)) {
            harness.setDurable(durable);
            System.out.printf(
                    "%nFair share: %d webhook deliveries, alone and beside %d outbox events (%s, event lines %s)%n",
                    deliveries, events, durable ? "durable" : "non-durable", lines ? "on" : "off");
            PublisherSettings settings = settings(db);
            phase(harness, settings, url, deliveries / 5, 0); // warm-up
            double[] alone = phase(harness, settings, url, deliveries, 0);
            double[] beside = phase(harness, settings, url, deliveries, events);
            double[] routed = routed(harness, settings, url, events);
            double outboxAlone = outboxAlone(harness, settings, url, events);
            System.out.println();
            System.out.println("| phase | webhook deliveries/s | outbox events/s | webhooks' share | outbox's share |");
            System.out.println("|---|---:|---:|---:|---:|");
            System.out.printf(Locale.ROOT, "| each alone | %.0f | %.0f | 1.00 | 1.00 |%n", alone[0], outboxAlone);
            share("side by side (" + events + " events not for the endpoint)", beside, alone[0], outboxAlone);
            share(events + " events routed to the endpoint as they drain", routed, alone[0], outboxAlone);
        } finally {
            receiver.stop(0);
            receiving.shutdownNow();
        }
    }

    /** A row of the table: both rates of a phase and each one's share of its rate alone. */
    private static void share(String phase, double[] rates, double webhooksAlone, double outboxAlone) {
        System.out.printf(
                Locale.ROOT,
                "| %s | %.0f | %.0f | %.2f | %.2f |%n",
                phase,
                rates[0],
                rates[1],
                rates[0] / webhooksAlone,
                rates[1] / outboxAlone);
    }

    /** Drains the deliveries with the whole publisher; returns webhooks/s and outbox events/s meanwhile. */
    private static double[] phase(Harness harness, PublisherSettings settings, String url, int deliveries, int events)
            throws Exception {
        return phase(harness, settings, url, deliveries, events, false);
    }

    /** With {@code untilLogged}, runs until every event is logged rather than every webhook sent. */
    private static double[] phase(
            Harness harness, PublisherSettings settings, String url, int deliveries, int events, boolean untilLogged)
            throws Exception {
        clear(harness);
        UUID endpoint = endpoint(harness, url);
        harness.execute("WITH m AS (INSERT INTO webhook_message (event_id, type, aggregatetype, aggregateid,"
                + " aggregate_seq, body, correlation_id, occurred_at)"
                + " SELECT gen_random_uuid(), 'order.created', 'order', 'o-' || (i % 300), i,"
                + " '{\"type\":\"order.created\",\"data\":' || jsonb_build_object('id', i)::text || '}',"
                + " 'bench-' || i, now() FROM generate_series(1, " + deliveries + ") AS i"
                + " RETURNING event_id, aggregatetype, aggregateid, aggregate_seq)"
                + " INSERT INTO webhook_delivery (event_id, endpoint_id, aggregatetype, aggregateid, aggregate_seq)"
                + " SELECT event_id, '" + endpoint + "', aggregatetype, aggregateid, aggregate_seq FROM m");
        if (events > 0) {
            harness.execute("INSERT INTO outbox_event (id, aggregatetype, aggregateid, type, payload, aggregate_seq,"
                    + " occurred_at, correlation_id)"
                    + " SELECT gen_random_uuid(), 'noise', 'n-' || i, 'noise.logged', jsonb_build_object('id', i),"
                    + " 1, now(), 'bench-' || i FROM generate_series(1, " + events + ") AS i");
        }
        harness.execute("VACUUM ANALYZE webhook_delivery");
        harness.execute("VACUUM ANALYZE webhook_message");
        harness.execute("VACUUM ANALYZE outbox_event");
        long started = System.nanoTime();
        long logged;
        try (Daemon daemon = new Daemon(settings, new LogSink(false)).start()) {
            String waitFor = untilLogged
                    ? "SELECT count(*) FROM outbox_event WHERE status = 'DELIVERED'"
                    : "SELECT count(*) FROM webhook_delivery WHERE status = 'DELIVERED'";
            while (harness.count(waitFor) < (untilLogged ? events : deliveries)) {
                Thread.sleep(20);
            }
            logged = harness.count("SELECT count(*) FROM outbox_event WHERE status = 'DELIVERED'");
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        return new double[] {deliveries / seconds, logged / seconds};
    }

    /**
     * A backlog of events the endpoint subscribes to (300 aggregates, as the kill soak writes): the
     * outbox drains it and routes each event to the endpoint; returns webhooks/s delivered and
     * outbox events/s while the outbox drains.
     */
    private static double[] routed(Harness harness, PublisherSettings settings, String url, int events)
            throws Exception {
        clear(harness);
        endpoint(harness, url);
        harness.execute("INSERT INTO outbox_event (id, aggregatetype, aggregateid, type, payload, aggregate_seq,"
                + " occurred_at, correlation_id)"
                + " SELECT gen_random_uuid(), 'order', 'o-' || (i % 300), 'order.created', jsonb_build_object('id', i),"
                + " i / 300 + 1, now(), 'bench-' || i FROM generate_series(0, " + (events - 1) + ") AS i");
        harness.execute("VACUUM ANALYZE outbox_event");
        long started = System.nanoTime();
        long delivered;
        try (Daemon daemon = new Daemon(settings, new LogSink(false)).start()) {
            while (harness.count("SELECT count(*) FROM outbox_event WHERE status = 'DELIVERED'") < events) {
                Thread.sleep(20);
            }
            delivered = harness.count("SELECT count(*) FROM webhook_delivery WHERE status = 'DELIVERED'");
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        return new double[] {delivered / seconds, events / seconds};
    }

    /** The outbox alone: events/s draining the same backlog with no webhook work. */
    private static double outboxAlone(Harness harness, PublisherSettings settings, String url, int events)
            throws Exception {
        double[] rates = phase(harness, settings, url, 0, events, true);
        return rates[1];
    }

    private static void clear(Harness harness) {
        harness.execute("TRUNCATE webhook_attempt, webhook_delivery, webhook_message, webhook_replay, webhook_secret,"
                + " webhook_endpoint, outbox_event, outbox_aggregate, outbox_listener CASCADE");
    }

    private static UUID endpoint(Harness harness, String url) throws Exception {
        return new WebhookEndpoints(harness.pool, SecretBox.plaintext())
                .add(EndpointSpec.builder(url)
                        .allowPrivate(true)
                        .eventTypes("order.*")
                        .build())
                .endpoint()
                .id();
    }

    private static PublisherSettings settings(EmbeddedDatabase db) {
        return Harness.publisherSettings(db);
    }
}
