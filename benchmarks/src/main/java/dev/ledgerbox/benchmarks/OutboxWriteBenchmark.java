package dev.ledgerbox.benchmarks;

import com.gruelbox.transactionoutbox.Dialect;
import com.gruelbox.transactionoutbox.Instantiator;
import com.gruelbox.transactionoutbox.Persistor;
import com.gruelbox.transactionoutbox.Submitter;
import com.gruelbox.transactionoutbox.ThreadLocalContextTransactionManager;
import com.gruelbox.transactionoutbox.TransactionManager;
import com.gruelbox.transactionoutbox.TransactionOutbox;
import com.zaxxer.hikari.HikariDataSource;
import dev.ledgerbox.outbox.OutboxEvent;
import dev.ledgerbox.outbox.internal.JsonbPayloadSerializer;
import dev.ledgerbox.outbox.internal.OutboxSettings;
import dev.ledgerbox.outbox.internal.OutboxWriter;
import dev.ledgerbox.outbox.spi.TraceContext;
import dev.ledgerbox.testing.EmbeddedDatabase;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.hibernate.Session;
import org.hibernate.SessionFactory;
import org.hibernate.Transaction;
import org.hibernate.cfg.AvailableSettings;
import org.hibernate.cfg.Configuration;

/**
 * Transactions per second of one Hibernate business transaction (insert an order, commit), on
 * embedded PostgreSQL with 8 threads, with and without an outbox write, in one run:
 *
 * <ul>
 *   <li><b>baseline</b>: the business transaction alone;
 *   <li><b>raw JDBC</b>: plus one plain INSERT of an equivalent outbox row on the same connection
 *       (the physical limit of "one more row per transaction"), and the same taking its number
 *       from a counter row as the writer does;
 *   <li><b>ledgerbox</b>: plus {@link OutboxWriter} (JSON-B payload, per-aggregate sequence,
 *       context), and the same with the event written unordered (no counter row);
 *   <li><b>transaction-outbox</b> (gruelbox 4.2.268), scheduling one call per transaction, with
 *       its immediate dispatch on (normal use) and off.
 * </ul>
 *
 * Runs everything with PostgreSQL's durable settings (fsync, synchronous_commit on), then again
 * with both off. Variants alternate in rounds so that machine noise spreads evenly.
 *
 * <p>Arguments: {@code threads=8 seconds=5 rounds=3 warmup=2}, {@code only=raw,ledgerbox} (see {@link
 * Harness}).
 */
public final class OutboxWriteBenchmark {

    private final Harness harness;
    private final HikariDataSource pool;
    private final SessionFactory hibernate;
    /** For the peer: sessions on the peer's own JDBC transaction, which Hibernate does not see. */
    private final SessionFactory peerHibernate;

    private final JsonbPayloadSerializer json = new JsonbPayloadSerializer();
    private final OutboxWriter writer = new OutboxWriter(json, OutboxSettings.defaults(), Clock.systemUTC());
    private final TransactionOutbox peerDispatching;
    private final TransactionOutbox peerStored;
    private final ThreadLocalContextTransactionManager peerTransactions;
    /** The peer's dispatch executor, shaped like its default (one thread, 16384 queued) but ours. */
    private final ThreadPoolExecutor peerExecutor =
            new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(16384));

    /** What the peer runs after commit: nothing, so only the library's own cost is measured. */
    public static class Publisher {
        public void publish(String type, long orderId, String customer, BigDecimal total) {}
    }

    private OutboxWriteBenchmark(Harness harness) {
        this.harness = harness;
        this.pool = harness.pool;

        Configuration hibernateConfig = new Configuration()
                .addAnnotatedClass(BenchOrder.class)
                .setProperty(AvailableSettings.JAKARTA_HBM2DDL_DATABASE_ACTION, "drop-and-create")
                .setProperty(AvailableSettings.SHOW_SQL, "false");
        hibernateConfig.getProperties().put(AvailableSettings.JAKARTA_NON_JTA_DATASOURCE, pool);
        this.hibernate = hibernateConfig.buildSessionFactory();
        Configuration peerConfig = new Configuration()
                .addAnnotatedClass(BenchOrder.class)
                .setProperty(AvailableSettings.ALLOW_UPDATE_OUTSIDE_TRANSACTION, "true");
        peerConfig.getProperties().put(AvailableSettings.JAKARTA_NON_JTA_DATASOURCE, pool);
        this.peerHibernate = peerConfig.buildSessionFactory();

        this.peerTransactions = TransactionManager.fromDataSource(pool);
        Publisher publisher = new Publisher();
        this.peerDispatching = TransactionOutbox.builder()
                .transactionManager(peerTransactions)
                .persistor(Persistor.forDialect(Dialect.POSTGRESQL_9))
                .instantiator(Instantiator.using(type -> publisher))
                .submitter(Submitter.withExecutor(peerExecutor))
                .build();
        this.peerStored = TransactionOutbox.builder()
                .transactionManager(peerTransactions)
                .persistor(Persistor.forDialect(Dialect.POSTGRESQL_9))
                .instantiator(Instantiator.using(type -> publisher))
                .submitter((entry, work) -> {}) // dispatch off: rows wait for a flush
                .build();
        peerDispatching.initialize();
        peerStored.initialize();
    }

    public static void main(String[] argv) throws Exception {
        try (EmbeddedDatabase db = EmbeddedDatabase.start(true, 0).migrate("outbox");
                Harness harness = new Harness(db, Harness.arguments(argv))) {
            OutboxWriteBenchmark bench = new OutboxWriteBenchmark(harness);
            try {
                System.out.printf("%nOutbox write benchmark: %s%n", harness.describe());
                Harness.Measured durable = harness.measure(
                        "durable (fsync=on, synchronous_commit=on)", bench.variants(), bench::clearTables);
                harness.setDurable(false);
                Harness.Measured fast = harness.measure(
                        "non-durable (fsync=off, synchronous_commit=off)", bench.variants(), bench::clearTables);
                Harness.printTable(durable.rates(), fast.rates(), BASELINE);
                System.out.println();
                Harness.printRatio("ledgerbox / raw JDBC", durable, fast, LEDGERBOX, RAW, ">= 0.95");
                Harness.printRatio(
                        "ledgerbox unordered / raw JDBC (the event skips its aggregate's counter)",
                        durable,
                        fast,
                        UNORDERED,
                        RAW,
                        ">= 0.95");
                Harness.printRatio(
                        "raw with a counter row / raw (what the per-aggregate counter costs)",
                        durable,
                        fast,
                        RAW_COUNTER,
                        RAW,
                        "measured");
                Harness.printRatio(
                        "ledgerbox / transaction-outbox (normal use)", durable, fast, LEDGERBOX, PEER, "> 1");
                Harness.printRatio(
                        "one aggregate / 8 aggregates (what contended ordering costs)",
                        durable,
                        fast,
                        ONE_AGGREGATE,
                        EIGHT_AGGREGATES,
                        "measured");
                Harness.printRatio(
                        "8 aggregates / an aggregate per transaction",
                        durable,
                        fast,
                        EIGHT_AGGREGATES,
                        LEDGERBOX,
                        "measured");
            } finally {
                bench.close();
            }
        }
    }

    static final String BASELINE = "baseline (no outbox)";
    static final String RAW = "raw JDBC outbox INSERT";
    static final String RAW_COUNTER = "raw JDBC INSERT with a counter row";
    static final String LEDGERBOX = "ledgerbox OutboxWriter";
    static final String UNORDERED = "ledgerbox OutboxWriter, unordered";
    static final String PEER = "transaction-outbox, dispatch on";
    static final String PEER_STORED = "transaction-outbox, dispatch off";
    static final String ONE_AGGREGATE = "ledgerbox, every writer on one aggregate";
    static final String EIGHT_AGGREGATES = "ledgerbox, the writers on 8 aggregates";

    /** Which of 8 aggregates this thread writes to: threads take them in turn. */
    private static final java.util.concurrent.atomic.AtomicInteger WRITERS =
            new java.util.concurrent.atomic.AtomicInteger();

    private static final ThreadLocal<Integer> WRITER = ThreadLocal.withInitial(() -> WRITERS.getAndIncrement() % 8);

    private Map<String, Harness.Work> variants() {
        Map<String, Harness.Work> v = new LinkedHashMap<>();
        v.put(BASELINE, this::baseline);
        v.put(RAW, () -> rawJdbc(false));
        v.put(RAW_COUNTER, () -> rawJdbc(true));
        v.put(LEDGERBOX, this::ledgerbox);
        v.put(UNORDERED, this::ledgerboxUnordered);
        v.put(ONE_AGGREGATE, () -> ledgerboxOn(order -> "hot"));
        v.put(EIGHT_AGGREGATES, () -> ledgerboxOn(order -> "warm-" + WRITER.get()));
        v.put(PEER, new Harness.Work() {
            @Override
            public void transaction() {
                peer(peerDispatching);
            }

            @Override
            public void settle() throws InterruptedException {
                awaitPeerDispatch();
            }
        });
        v.put(PEER_STORED, () -> peer(peerStored));
        return harness.selected(v, BASELINE);
    }

    private BenchOrder newOrder() {
        return new BenchOrder(
                "customer-" + ThreadLocalRandom.current().nextInt(100_000),
                BigDecimal.valueOf(ThreadLocalRandom.current().nextInt(100, 100_000), 2),
                Instant.now());
    }

    /** Each transaction has its own correlation id, as each request has in production. */
    private static String correlationId() {
        return UUID.randomUUID().toString();
    }

    private void baseline() {
        inHibernateTransaction(session -> session.persist(newOrder()));
    }

    private static final String RAW_INSERT = "INSERT INTO outbox_event (id, aggregatetype, aggregateid, type, payload,"
            + " aggregate_seq, occurred_at, correlation_id) VALUES (?, ?, ?, ?, ?::jsonb, 1, ?, ?)";

    /**
     * The raw INSERT taking its number from a counter row as the writer does (the row upserted and
     * locked until commit): what the per-aggregate counter costs, measured beside raw.
     */
    private static final String RAW_INSERT_WITH_COUNTER =
            """
            WITH seq AS (
                INSERT INTO outbox_aggregate AS a (aggregatetype, aggregateid, last_seq) VALUES ('order', ?, 1)
                ON CONFLICT (aggregatetype, aggregateid) DO UPDATE SET last_seq = a.last_seq + 1
                RETURNING last_seq)
            INSERT INTO outbox_event (id, aggregatetype, aggregateid, type, payload, aggregate_seq, occurred_at,
                correlation_id)
            SELECT ?, ?, ?, ?, ?::jsonb, seq.last_seq, ?, ? FROM seq
            """;

    private void rawJdbc(boolean counter) {
        inHibernateTransaction(session -> {
            BenchOrder order = newOrder();
            session.persist(order);
            String payload = "{\"createdAt\":\"" + order.getCreatedAt() + "\",\"customer\":\"" + order.getCustomer()
                    + "\",\"id\":" + order.getId() + ",\"status\":\"NEW\",\"total\":" + order.getTotal() + "}";
            session.doWork(c -> {
                try (PreparedStatement ps = c.prepareStatement(counter ? RAW_INSERT_WITH_COUNTER : RAW_INSERT)) {
                    int i = 1;
                    if (counter) {
                        ps.setString(i++, order.getId().toString());
                    }
                    ps.setObject(i++, UUID.randomUUID());
                    ps.setString(i++, "order");
                    ps.setString(i++, order.getId().toString());
                    ps.setString(i++, "order.created");
                    ps.setString(i++, payload);
                    ps.setTimestamp(i++, Timestamp.from(Instant.now()));
                    ps.setString(i, correlationId());
                    ps.executeUpdate();
                }
            });
        });
    }

    private static final Supplier<String> ORIGIN = () -> "OutboxWriteBenchmark.ledgerbox";

    /** An event per order, of the order's own aggregate. */
    private void ledgerbox() {
        ledgerboxOn(BenchOrder::getId);
    }

    /** Events of the given aggregate: what ordering costs when writers of one aggregate contend. */
    private void ledgerboxOn(java.util.function.Function<BenchOrder, Object> aggregateId) {
        ledgerboxWriting(order -> OutboxEvent.of("order", aggregateId.apply(order), "order.created", order));
    }

    /** An event per order, written unordered: no counter row. */
    private void ledgerboxUnordered() {
        ledgerboxWriting(order -> OutboxEvent.builder("order", order.getId(), "order.created")
                .payload(order)
                .unordered()
                .build());
    }

    /** Persists an order and writes the event {@code event} makes of it, in one transaction. */
    private void ledgerboxWriting(java.util.function.Function<BenchOrder, OutboxEvent> event) {
        inHibernateTransaction(session -> {
            BenchOrder order = newOrder();
            session.persist(order);
            OutboxEvent written = event.apply(order);
            session.doWork(c -> writer.write(c, written, correlationId(), TraceContext.current(), ORIGIN));
        });
    }

    private void peer(TransactionOutbox outbox) {
        peerTransactions.inTransaction(tx -> {
            BenchOrder order = newOrder();
            try (Session session =
                    peerHibernate.withOptions().connection(tx.connection()).openSession()) {
                session.persist(order);
                session.flush();
            }
            outbox.schedule(Publisher.class)
                    .publish("order.created", order.getId(), order.getCustomer(), order.getTotal());
        });
    }

    private void awaitPeerDispatch() throws InterruptedException {
        while (!peerExecutor.getQueue().isEmpty() || peerExecutor.getActiveCount() > 0) {
            Thread.sleep(1);
        }
    }

    private void inHibernateTransaction(java.util.function.Consumer<Session> work) {
        try (Session session = hibernate.openSession()) {
            Transaction tx = session.beginTransaction();
            try {
                work.accept(session);
                tx.commit();
            } catch (RuntimeException e) {
                tx.rollback();
                throw e;
            }
        }
    }

    private void clearTables() {
        harness.execute("TRUNCATE bench_order, outbox_event, outbox_aggregate, txno_outbox");
    }

    private void close() throws InterruptedException {
        peerExecutor.shutdown();
        peerExecutor.awaitTermination(1, TimeUnit.MINUTES);
        hibernate.close();
        peerHibernate.close();
        json.close();
    }
}
