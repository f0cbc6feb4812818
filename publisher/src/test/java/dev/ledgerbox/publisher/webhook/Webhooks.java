package dev.ledgerbox.publisher.webhook;

import dev.ledgerbox.outbox.OutboxEvent;
import dev.ledgerbox.outbox.internal.JsonbPayloadSerializer;
import dev.ledgerbox.outbox.internal.OutboxSettings;
import dev.ledgerbox.outbox.internal.OutboxWriter;
import dev.ledgerbox.outbox.spi.TraceContext;
import dev.ledgerbox.publisher.PublisherSettings;
import dev.ledgerbox.publisher.outbox.OutboxStore;
import dev.ledgerbox.publisher.spi.ClaimedEvent;
import dev.ledgerbox.publisher.spi.Outcome;
import dev.ledgerbox.publisher.spi.WorkResult;
import dev.ledgerbox.testing.Await;
import dev.ledgerbox.testing.EmbeddedDatabase;
import dev.ledgerbox.testing.SqlRows;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.net.URI;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;

/** Writes events as applications do, routes them as the publisher does, and reads the tables. */
final class Webhooks {

    static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    private static final JsonbPayloadSerializer JSON = new JsonbPayloadSerializer();
    private static final OutboxWriter WRITER = new OutboxWriter(JSON, OutboxSettings.defaults(), Clock.systemUTC());

    private Webhooks() {}

    static DataSource db() {
        return EmbeddedDatabase.shared().dataSource();
    }

    static SqlRows sql() {
        return new SqlRows(db());
    }

    static void clear() throws SQLException {
        sql().execute("TRUNCATE webhook_attempt, webhook_delivery, webhook_message, webhook_replay, webhook_secret,"
                + " webhook_endpoint, outbox_event, outbox_aggregate CASCADE");
    }

    static WebhookEndpoints endpoints() {
        return new WebhookEndpoints(db(), SecretBox.plaintext());
    }

    /** Registers an endpoint on loopback (allowed explicitly). */
    static WebhookEndpoints.Created endpoint(String url, String... types) throws SQLException {
        return endpoints()
                .add(EndpointSpec.builder(url)
                        .eventTypes(types)
                        .allowPrivate(true)
                        .timeout(Duration.ofSeconds(2))
                        .build());
    }

    /** Commits one event per aggregate id, then routes them as the publisher does. */
    static List<UUID> publish(String aggregateType, String type, String... aggregateIds) throws SQLException {
        List<UUID> ids = publishWithoutRouting(aggregateType, type, aggregateIds);
        route();
        return ids;
    }

    /** Commits one event per aggregate id, for a running publisher to take. */
    static List<UUID> publishWithoutRouting(String aggregateType, String type, String... aggregateIds)
            throws SQLException {
        List<UUID> ids = new ArrayList<>();
        for (String aggregateId : aggregateIds) {
            ids.add(write(
                    OutboxEvent.of(aggregateType, aggregateId, type, Map.of("id", aggregateId, "n", ids.size()))));
        }
        return ids;
    }

    /** Commits one event written {@linkplain OutboxEvent.Builder#unordered() unordered}, then routes it. */
    static UUID publishUnordered(String aggregateType, String type, String aggregateId) throws SQLException {
        UUID id = write(OutboxEvent.builder(aggregateType, aggregateId, type)
                .payload(Map.of("id", aggregateId))
                .unordered()
                .build());
        route();
        return id;
    }

    private static UUID write(OutboxEvent event) throws SQLException {
        try (Connection c = db().getConnection()) {
            return WRITER.write(
                    c, event, "corr-" + event.aggregateId(), new TraceContext(TRACEPARENT, null), () -> "test");
        }
    }

    /** Claims every due outbox event and marks it delivered with the webhook router. */
    static int route() throws SQLException {
        OutboxStore store = new OutboxStore(db());
        int routed = 0;
        List<ClaimedEvent> batch;
        while (!(batch = store.claim("router", 1000, Duration.ofMinutes(1))).isEmpty()) {
            routed += store.record(
                    "router",
                    batch.stream()
                            .map(e -> new WorkResult<>(e, Outcome.DELIVERED, null, Instant.now()))
                            .toList(),
                    new WebhookRouter(() -> true, () -> {}));
        }
        return routed;
    }

    static PublisherSettings settings(Map<String, String> overrides) {
        EmbeddedDatabase db = EmbeddedDatabase.shared();
        Map<String, String> values = db.publisherSettings(
                "publisher.poll-interval",
                "100ms",
                "publisher.lease",
                "5s",
                "publisher.webhook.endpoint-refresh",
                "50ms");
        values.putAll(overrides);
        return PublisherSettings.from(values::get);
    }

    static WebhookDispatcher dispatcher(Clock clock, Map<String, String> overrides) {
        PublisherSettings s = settings(overrides);
        return new WebhookDispatcher(
                s.webhook(),
                "test-dispatcher",
                db(),
                s.lease(),
                s.pollInterval(),
                clock,
                () -> 0.5, // no jitter: delays are the schedule's
                new SimpleMeterRegistry(),
                OpenTelemetry.noop());
    }

    /**
     * A message and a delivery to {@code endpoint}, due since a minute ago, for each row of {@code
     * aggregates} (SQL yielding an aggregate id and its sequence number), in that order.
     */
    static void due(UUID endpoint, String aggregates) throws SQLException {
        sql().execute("WITH m AS (INSERT INTO webhook_message (event_id, type, aggregatetype, aggregateid,"
                + " aggregate_seq, body, occurred_at)"
                + " SELECT gen_random_uuid(), 'order.created', 'order', a.agg, a.seq, '{}', now()"
                + " FROM (" + aggregates + ") AS a (agg, seq)"
                + " RETURNING event_id, aggregatetype, aggregateid, aggregate_seq)"
                + " INSERT INTO webhook_delivery (event_id, endpoint_id, aggregatetype, aggregateid, aggregate_seq,"
                + " next_attempt_at) SELECT event_id, '" + endpoint + "', aggregatetype, aggregateid, aggregate_seq,"
                + " now() - interval '1 minute' FROM m ORDER BY aggregateid, aggregate_seq");
    }

    /** Claims as instance {@code owner} would, up to {@code n} of the endpoint's deliveries; sends nothing. */
    static List<Deliveries.Prepared> claim(
            String owner, UUID endpoint, int n, long leaseMillis, Instant now, String url) throws SQLException {
        return new WebhookStore(db(), SecretBox.plaintext())
                .claim(
                        owner,
                        List.of(new WebhookStore.Room(endpoint, n, leaseMillis)),
                        now,
                        d -> new Deliveries.Request(
                                URI.create(url), Map.of(), Map.of(), new byte[0], "", Instant.now()));
    }

    static List<Map<String, Object>> deliveries(UUID endpointId) throws SQLException {
        return sql().query(
                        "SELECT d.*, m.aggregateid FROM webhook_delivery d JOIN webhook_message m USING (event_id)"
                                + " WHERE endpoint_id = ? ORDER BY d.id",
                        endpointId);
    }

    static List<Map<String, Object>> attempts(UUID endpointId) throws SQLException {
        return sql().query("SELECT * FROM webhook_attempt WHERE endpoint_id = ? ORDER BY id", endpointId);
    }

    static String status(long deliveryId) throws SQLException {
        return (String) sql().query("SELECT status FROM webhook_delivery WHERE id = ?", deliveryId)
                .get(0)
                .get("status");
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Await.until(what, condition, Webhooks::pipeline);
    }

    /** Where the events and deliveries are, and what the database is busy with: for a timeout. */
    static String pipeline() {
        try {
            return "events " + sql().query("SELECT status, count(*) AS n FROM outbox_event GROUP BY status")
                    + ", deliveries "
                    + sql().query("SELECT status, count(*) AS n FROM webhook_delivery GROUP BY status")
                    + ", attempts " + sql().query("SELECT count(*) AS n FROM webhook_attempt")
                    + ", endpoints " + sql().query("SELECT id, enabled FROM webhook_endpoint")
                    + ", sessions "
                    + sql().query("SELECT state, wait_event_type, wait_event, left(query, 120) AS query"
                            + " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                            + " AND state <> 'idle'");
        } catch (Exception e) {
            return "(the database could not say: " + e.getMessage() + ")";
        }
    }

    /** A condition that may read the database. */
    interface Check {
        boolean holds() throws Exception;
    }

    static BooleanSupplier sql(Check check) {
        return () -> {
            try {
                return check.holds();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }
}
