package dev.ledgerbox.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.outbox.OutboxEvent;
import dev.ledgerbox.outbox.internal.JsonbPayloadSerializer;
import dev.ledgerbox.outbox.internal.OutboxSettings;
import dev.ledgerbox.outbox.internal.OutboxWriter;
import dev.ledgerbox.outbox.spi.TraceContext;
import dev.ledgerbox.testing.Await;
import dev.ledgerbox.testing.EmbeddedDatabase;
import dev.ledgerbox.testing.SqlRows;
import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/**
 * The scale-out path: with the publisher off, Debezium's Outbox Event Router reads the outbox
 * table through PostgreSQL's logical decoding ({@code pgoutput}) and routes every event, written by
 * the Java writer or by {@code ledgerbox_emit}, to its aggregate's topic with the aggregate id as
 * key, the event id as header and the payload as value, in commit order per aggregate. The
 * connector and router configuration is read from docs/outbox.md, as a Kafka Connect user copies it.
 */
class OutboxEventRouterTest {

    private static final OutboxWriter WRITER =
            new OutboxWriter(new JsonbPayloadSerializer(), OutboxSettings.defaults(), Clock.systemUTC());

    /** The connector's properties as docs/outbox.md shows them. */
    static Properties documented() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "outbox.md"));
        String section = doc.substring(doc.indexOf("<!-- debezium:start -->"), doc.indexOf("<!-- debezium:end -->"));
        String block = section.substring(section.indexOf("```properties") + "```properties".length());
        Properties p = new Properties();
        p.load(new StringReader(block.substring(0, block.indexOf("```"))));
        return p;
    }

    @Test
    void theRouterDeliversEveryEventToItsAggregatesTopicInOrder() throws Exception {
        try (EmbeddedDatabase db = EmbeddedDatabase.startLogical().migrate("outbox")) {
            Properties props = documented();
            // what the Kafka Connect worker would provide, and where this test's database is
            props.setProperty("name", "ledgerbox-outbox-test");
            props.setProperty("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
            props.setProperty("offset.flush.interval.ms", "100");
            props.setProperty("database.hostname", "localhost");
            props.setProperty("database.port", Integer.toString(db.port()));
            props.setProperty("database.user", db.user());
            props.setProperty("database.password", db.password());
            props.setProperty("database.dbname", "postgres");

            ConcurrentLinkedQueue<SourceRecord> records = new ConcurrentLinkedQueue<>();
            ExecutorService runner = Executors.newSingleThreadExecutor();
            try (DebeziumEngine<RecordChangeEvent<SourceRecord>> engine = DebeziumEngine.create(
                            ChangeEventFormat.of(Connect.class))
                    .using(props)
                    .notifying(event -> records.add(event.record()))
                    .build()) {
                runner.execute(engine);
                SqlRows sql = new SqlRows(db.dataSource());
                Await.until("the connector's replication slot is active", () -> {
                    try {
                        return !sql.query("SELECT 1 FROM pg_replication_slots WHERE active")
                                .isEmpty();
                    } catch (Exception e) {
                        return false;
                    }
                });

                List<UUID> written = new ArrayList<>();
                for (int i = 0; i < 3; i++) { // interleaved: a1, a2, a1, a2, a1 (Java writer)
                    written.add(write(db, "a1", i));
                    if (i < 2) {
                        written.add(write(db, "a2", i));
                    }
                }
                String sqlEvent = (String) sql.query("SELECT ledgerbox_emit('order', 'a1', 'order.paid',"
                                + " '{\"id\": \"a1\", \"n\": 3}'::jsonb, 'corr-sql')::text AS id")
                        .get(0)
                        .get("id");
                written.add(UUID.fromString(sqlEvent));

                Await.until("every event is routed", () -> records.size() >= written.size());
                // the cleanup the docs describe: deleted rows route nothing
                sql.execute("DELETE FROM outbox_event");
                UUID after = write(db, "a2", 2);
                Await.until("the event after the cleanup is routed", () -> records.size() >= written.size() + 1);
                Thread.sleep(500);

                List<SourceRecord> all = new ArrayList<>(records);
                assertThat(all).hasSize(written.size() + 1);
                Map<String, List<Long>> seqByKey = new LinkedHashMap<>();
                Map<UUID, SourceRecord> byId = new HashMap<>();
                for (SourceRecord r : all) {
                    assertThat(r.topic()).isEqualTo("outbox.event.order");
                    byId.put(UUID.fromString(header(r, "id")), r);
                    seqByKey.computeIfAbsent((String) r.key(), k -> new ArrayList<>())
                            .add(Long.parseLong(header(r, "aggregate_seq")));
                }
                assertThat(byId.keySet()).containsAll(written).contains(after);
                assertThat(seqByKey).containsOnlyKeys("a1", "a2");
                assertThat(seqByKey.get("a1")).isSorted().hasSize(4);
                assertThat(seqByKey.get("a2")).isSorted().hasSize(3);
                SourceRecord fromSql = byId.get(UUID.fromString(sqlEvent));
                assertThat(fromSql.key()).isEqualTo("a1");
                assertThat(header(fromSql, "type")).isEqualTo("order.paid");
                assertThat(header(fromSql, "correlation_id")).isEqualTo("corr-sql");
                assertThat(String.valueOf(fromSql.value())).contains("\"n\": 3");
                SourceRecord fromJava = byId.get(written.get(0));
                assertThat(header(fromJava, "traceparent"))
                        .isEqualTo("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
                assertThat(String.valueOf(fromJava.value()))
                        .contains("\"id\": \"a1\"")
                        .contains("\"n\": 0");
            } finally {
                runner.shutdown();
                runner.awaitTermination(30, TimeUnit.SECONDS);
            }
        }
    }

    private static UUID write(EmbeddedDatabase db, String aggregate, int n) throws Exception {
        try (Connection c = db.dataSource().getConnection()) {
            return WRITER.write(
                    c,
                    OutboxEvent.of("order", aggregate, "order.created", Map.of("id", aggregate, "n", n)),
                    "corr-" + aggregate,
                    new TraceContext("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", null),
                    () -> "test");
        }
    }

    private static String header(SourceRecord r, String name) {
        for (Header h : r.headers()) {
            if (h.key().equals(name)) {
                return String.valueOf(h.value());
            }
        }
        throw new AssertionError("no header " + name + " in " + r);
    }
}
