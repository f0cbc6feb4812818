package dev.ledgerbox.publisher;

import dev.ledgerbox.outbox.OutboxEvent;
import dev.ledgerbox.outbox.internal.JsonbPayloadSerializer;
import dev.ledgerbox.outbox.internal.OutboxSettings;
import dev.ledgerbox.outbox.internal.OutboxWriter;
import dev.ledgerbox.outbox.spi.TraceContext;
import dev.ledgerbox.testing.Await;
import dev.ledgerbox.testing.EmbeddedDatabase;
import dev.ledgerbox.testing.SqlRows;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/** Writes events the way applications do, and reads the table back. */
final class Events {

    static final JsonbPayloadSerializer JSON = new JsonbPayloadSerializer();
    static final OutboxWriter WRITER = new OutboxWriter(JSON, OutboxSettings.defaults(), Clock.systemUTC());

    private Events() {}

    static DataSource db() {
        return EmbeddedDatabase.shared().dataSource();
    }

    static SqlRows sql() {
        return new SqlRows(db());
    }

    static void clear() throws SQLException {
        sql().execute("TRUNCATE outbox_event, outbox_aggregate");
    }

    /** Commits one event per aggregate id given, in one transaction each. */
    static List<UUID> write(String aggregateType, String type, String... aggregateIds) throws SQLException {
        List<UUID> ids = new ArrayList<>();
        for (String aggregateId : aggregateIds) {
            ids.add(write(OutboxEvent.of(aggregateType, aggregateId, type, Map.of("n", ids.size()))));
        }
        return ids;
    }

    /** Commits one event written {@linkplain OutboxEvent.Builder#unordered() unordered}. */
    static UUID writeUnordered(String aggregateType, String type, String aggregateId) throws SQLException {
        return write(OutboxEvent.builder(aggregateType, aggregateId, type)
                .payload(Map.of("n", 0))
                .unordered()
                .build());
    }

    private static UUID write(OutboxEvent event) throws SQLException {
        try (Connection c = db().getConnection()) {
            return WRITER.write(
                    c,
                    event,
                    "corr-" + event.aggregateId(),
                    new TraceContext("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", null),
                    () -> "test");
        }
    }

    static String status(UUID id) throws SQLException {
        return (String) sql().query("SELECT status FROM outbox_event WHERE id = ?", id)
                .get(0)
                .get("status");
    }

    static Map<String, Object> row(UUID id) throws SQLException {
        return sql().query("SELECT * FROM outbox_event WHERE id = ?", id).get(0);
    }

    static PublisherSettings settings(Map<String, String> overrides) {
        EmbeddedDatabase db = EmbeddedDatabase.shared();
        Map<String, String> values = db.publisherSettings(
                "publisher.http.port", "0", "publisher.retry.base", "100ms", "publisher.poll-interval", "200ms");
        values.putAll(overrides);
        return PublisherSettings.from(values::get);
    }

    /** Waits for a condition that the publisher brings about; fails after 30 s. */
    static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        Await.until(what, condition);
    }
}
