package dev.ledgerbox.benchmarks.audit;

import dev.ledgerbox.audit.AuditActor;
import dev.ledgerbox.audit.AuditContext;
import dev.ledgerbox.audit.AuditSealer;
import dev.ledgerbox.benchmarks.DatabaseCost;
import dev.ledgerbox.benchmarks.Harness;
import dev.ledgerbox.testing.EmbeddedDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.hibernate.Session;
import org.hibernate.SessionFactory;
import org.hibernate.StaleStateException;
import org.hibernate.cfg.AvailableSettings;
import org.hibernate.cfg.Configuration;
import org.javers.core.Javers;
import org.javers.core.JaversBuilder;
import org.javers.repository.sql.DialectName;
import org.javers.repository.sql.SqlRepositoryBuilder;

/**
 * Transactions per second of creating and of updating (two attributes) an invoice with ten
 * scalar attributes and a version, on embedded PostgreSQL with 8 threads, in one run:
 *
 * <ul>
 *   <li><b>unaudited</b>: the Hibernate transaction alone;
 *   <li><b>raw JDBC diff row</b>: plus one plain INSERT of a hand-built diff through the session's
 *       connection (the limit of "one more row") into {@value #RAW_TABLE}, a copy of {@code
 *       audit_log} with its columns, defaults, checks, indexes and statistics targets, which the
 *       sealer does not read: in {@code audit_log} itself, rows without a hash were sealed from
 *       their canonical text by the sealing that the next variant's round counted;
 *   <li><b>narrow JDBC diff row</b> (creates only, a diagnostic): the raw row with each created
 *       value bare instead of in {@code {"new": ...}}, a narrower row;
 *   <li><b>ledgerbox</b>: the entity is {@code @Audited}; the sealer runs alongside as the
 *       publisher runs it ({@code sealAll} every {@code sealInterval} ms, default 5000 as the
 *       publisher's {@code publisher.audit.seal-interval}; 0 seals continuously), and the time to
 *       seal what is left at the end of a round counts against the variant ({@code seal=false}
 *       leaves the rows unsealed: the writer's share alone, a diagnostic);
 *   <li><b>Hibernate Envers</b> (same Hibernate version, default strategy);
 *   <li><b>JaVers</b> with its SQL repository on the same database, committing in the same
 *       transaction.
 * </ul>
 *
 * Durable PostgreSQL settings first, then non-durable, each variant's CPU per transaction after
 * its rounds. Arguments as {@link Harness}, and {@code sealInterval=5000}, {@code seal=true};
 * {@code statements=true} loads {@code pg_stat_statements} and lists each mode's statements by
 * time.
 */
public final class AuditWriteBenchmark {

    static final String UNAUDITED = "unaudited";
    static final String RAW = "raw JDBC diff row";
    static final String NARROW = "narrow JDBC diff row, created values bare";
    static final String LEDGERBOX = "ledgerbox @Audited";
    static final String ENVERS = "Hibernate Envers";
    static final String JAVERS = "JaVers (SQL repository)";
    static final int ROWS_TO_UPDATE = 5000;
    static final String RAW_TABLE = "bench_raw_audit_log";

    private final Harness harness;
    private final SessionFactory hibernate;
    private final AuditSealer sealer;
    /** Whether the Ledgerbox variant's rows are sealed (argument {@code seal}). */
    private final boolean sealing;

    private final Javers javers;
    /** The connection of the current transaction, for JaVers. */
    private final ThreadLocal<Connection> javersConnection = new ThreadLocal<>();

    private final Map<Class<? extends InvoiceFields>, long[]> ids = new LinkedHashMap<>();

    /** The time spent sealing what a round left, and how many rounds left something to seal. */
    private final AtomicLong settling = new AtomicLong();

    private final AtomicLong settles = new AtomicLong();

    private AuditWriteBenchmark(Harness harness, boolean sealing) throws java.sql.SQLException {
        this.harness = harness;
        this.sealing = sealing;
        Configuration config = new Configuration()
                .addAnnotatedClass(PlainInvoice.class)
                .addAnnotatedClass(LedgerboxInvoice.class)
                .addAnnotatedClass(EnversInvoice.class)
                .addAnnotatedClass(JaversInvoice.class)
                .setProperty(AvailableSettings.JAKARTA_HBM2DDL_DATABASE_ACTION, "drop-and-create");
        config.getProperties().put(AvailableSettings.JAKARTA_NON_JTA_DATASOURCE, harness.pool);
        this.hibernate = config.buildSessionFactory();
        this.sealer = new AuditSealer(harness.pool);
        try (Connection c = harness.pool.getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + RAW_TABLE + " (LIKE audit_log INCLUDING ALL)");
            // LIKE leaves out the columns' statistics targets (audit schema 8): copied from the catalog
            List<String> targets = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT attname, attstattarget FROM pg_attribute"
                    + " WHERE attrelid = 'audit_log'::regclass AND attnum > 0 AND attstattarget IS NOT NULL")) {
                while (rs.next()) {
                    targets.add("ALTER COLUMN " + rs.getString(1) + " SET STATISTICS " + rs.getInt(2));
                }
            }
            if (!targets.isEmpty()) {
                s.execute("ALTER TABLE " + RAW_TABLE + " " + String.join(", ", targets));
            }
        }
        // JaVers creates its tables while it is built: lend it a connection for that
        try (Connection setup = harness.pool.getConnection()) {
            javersConnection.set(setup);
            this.javers = JaversBuilder.javers()
                    .registerJaversRepository(SqlRepositoryBuilder.sqlRepository()
                            .withConnectionProvider(javersConnection::get)
                            .withDialect(DialectName.POSTGRES)
                            .build())
                    .build();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("JaVers could not set up its tables: " + e.getMessage(), e);
        } finally {
            javersConnection.remove();
        }
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = Harness.arguments(argv);
        long sealInterval = Long.parseLong(args.getOrDefault("sealInterval", "5000"));
        boolean statements = Boolean.parseBoolean(args.getOrDefault("statements", "false"));
        boolean sealing = Boolean.parseBoolean(args.getOrDefault("seal", "true"));
        try (EmbeddedDatabase db = EmbeddedDatabase.startWith(true, 0, Harness.serverConfig(args))
                        .migrate("outbox", "audit");
                Harness harness = new Harness(db, args)) {
            AuditWriteBenchmark bench = new AuditWriteBenchmark(harness, sealing);
            AtomicBoolean running = new AtomicBoolean(true);
            Thread sealingThread = new Thread(() -> bench.seal(running, sealInterval), "audit-sealer");
            if (sealing) {
                sealingThread.start();
            }
            try {
                System.out.printf(
                        "%nAudit write benchmark: %s, %s%n",
                        harness.describe(),
                        sealing
                                ? "sealing every " + sealInterval + " ms"
                                : "no sealing (seal=false: the writer alone)");
                bench.populate();
                if (statements) {
                    DatabaseCost.resetStatements(harness.pool);
                }
                Harness.Measured durable =
                        harness.measure("durable (fsync=on, synchronous_commit=on)", bench.variants(), () -> {});
                bench.printSettling();
                if (statements) {
                    DatabaseCost.printStatements(harness.pool, 12);
                    DatabaseCost.resetStatements(harness.pool);
                }
                harness.setDurable(false);
                Harness.Measured fast =
                        harness.measure("non-durable (fsync=off, synchronous_commit=off)", bench.variants(), () -> {});
                bench.printSettling();
                if (statements) {
                    DatabaseCost.printStatements(harness.pool, 12);
                }
                for (String op : List.of("create", "update")) {
                    Harness.printTable(only(durable.rates(), op), only(fast.rates(), op), op + ": " + UNAUDITED);
                }
                System.out.println();
                for (String op : List.of("create", "update")) {
                    Harness.printRatio(
                            op + ": ledgerbox / raw JDBC",
                            durable,
                            fast,
                            op + ": " + LEDGERBOX,
                            op + ": " + RAW,
                            ">= 0.90");
                    Harness.printRatio(
                            op + ": ledgerbox / Envers",
                            durable,
                            fast,
                            op + ": " + LEDGERBOX,
                            op + ": " + ENVERS,
                            "> 1.05");
                    Harness.printRatio(
                            op + ": ledgerbox / JaVers",
                            durable,
                            fast,
                            op + ": " + LEDGERBOX,
                            op + ": " + JAVERS,
                            "> 1");
                    Harness.printRatio(
                            op + ": narrow / raw JDBC",
                            durable,
                            fast,
                            op + ": " + NARROW,
                            op + ": " + RAW,
                            "none: what the {\"new\": ...} around each created value costs (a diagnostic)");
                    Harness.printRatio(
                            op + ": raw JDBC / Envers",
                            durable,
                            fast,
                            op + ": " + RAW,
                            op + ": " + ENVERS,
                            "none: what one bare diff row costs against Envers, for reference");
                }
            } finally {
                running.set(false);
                if (sealing) {
                    sealingThread.join();
                }
                bench.hibernate.close();
            }
        }
    }

    /**
     * How long the sealing after each Ledgerbox round took (the writers stopped, counted in the
     * round's time), since the last call.
     */
    private void printSettling() {
        long rounds = settles.getAndSet(0);
        if (rounds > 0) {
            System.out.printf(
                    "  sealing what a Ledgerbox round left, after it: %.0f ms a round (%d rounds, warm-up included)%n",
                    settling.getAndSet(0) / 1e6 / rounds, rounds);
        }
    }

    private static Map<String, Double> only(Map<String, Double> rates, String op) {
        Map<String, Double> result = new LinkedHashMap<>();
        rates.forEach((name, rate) -> {
            if (name.startsWith(op + ": ")) {
                result.put(name, rate);
            }
        });
        return result;
    }

    private Map<String, Harness.Work> variants() {
        Map<String, Harness.Work> v = new LinkedHashMap<>();
        v.put("create: " + UNAUDITED, () -> create(PlainInvoice::new, null));
        v.put("create: " + RAW, () -> create(PlainInvoice::new, this::rawCreateRow));
        v.put("create: " + NARROW, () -> create(PlainInvoice::new, this::narrowCreateRow));
        v.put("create: " + LEDGERBOX, sealed(() -> create(LedgerboxInvoice::new, null)));
        v.put("create: " + ENVERS, () -> create(EnversInvoice::new, null));
        v.put("create: " + JAVERS, () -> create(JaversInvoice::new, this::javersCommit));
        v.put("update: " + UNAUDITED, () -> update(PlainInvoice.class, null));
        v.put("update: " + RAW, () -> update(PlainInvoice.class, this::rawUpdateRow));
        v.put("update: " + LEDGERBOX, sealed(() -> update(LedgerboxInvoice.class, null)));
        v.put("update: " + ENVERS, () -> update(EnversInvoice.class, null));
        v.put("update: " + JAVERS, () -> update(JaversInvoice.class, this::javersCommit));
        return harness.selected(v, UNAUDITED);
    }

    /** Ledgerbox with an actor (as the raw row and JaVers have one) and the sealer's drain counted. */
    private Harness.Work sealed(Harness.Work work) {
        AuditContext context = AuditContext.EMPTY.withActor(AuditActor.of("bench-user"));
        return new Harness.Work() {
            @Override
            public void transaction() throws Exception {
                try (AuditContext.Scope scope = context.open()) {
                    work.transaction();
                }
            }

            @Override
            public void settle() throws Exception {
                if (sealing) {
                    long started = System.nanoTime();
                    sealer.sealAll();
                    settling.addAndGet(System.nanoTime() - started);
                    settles.incrementAndGet();
                }
            }
        };
    }

    @FunctionalInterface
    interface Extra {
        void accept(Session session, InvoiceFields invoice) throws Exception;
    }

    private void create(Supplier<? extends InvoiceFields> kind, Extra extra) {
        inTransaction(session -> {
            InvoiceFields invoice = kind.get();
            invoice.fill();
            session.persist(invoice);
            session.flush();
            runExtra(extra, session, invoice);
        });
    }

    private void update(Class<? extends InvoiceFields> kind, Extra extra) {
        long[] candidates = ids.get(kind);
        long id = candidates[ThreadLocalRandom.current().nextInt(candidates.length)];
        try {
            inTransaction(session -> {
                InvoiceFields invoice = session.find(kind, id);
                invoice.pay();
                session.flush();
                runExtra(extra, session, invoice);
            });
        } catch (StaleStateException | jakarta.persistence.OptimisticLockException e) {
            // two threads picked the same invoice at once: rare, and the same for every variant
        }
    }

    private void runExtra(Extra extra, Session session, InvoiceFields invoice) {
        if (extra == null) {
            return;
        }
        session.doWork(connection -> {
            try {
                javersConnection.set(connection);
                extra.accept(session, invoice);
            } catch (java.sql.SQLException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            } finally {
                javersConnection.remove();
            }
        });
    }

    private void javersCommit(Session session, InvoiceFields invoice) {
        javers.commit("bench-user", invoice);
    }

    private static final String RAW_INSERT =
            "INSERT INTO " + RAW_TABLE + " (occurred_at, entity_type, entity_id, operation,"
                    + " diff, actor_id, correlation_id) VALUES (?, ?, ?, ?, ?::jsonb, ?, ?)";

    private void rawCreateRow(Session session, InvoiceFields i) throws java.sql.SQLException {
        rawRow(i, "INSERT", createDiff(i, true));
    }

    /** The raw create row with each value bare instead of in {@code {"new": ...}}: a narrower row. */
    private void narrowCreateRow(Session session, InvoiceFields i) throws java.sql.SQLException {
        rawRow(i, "INSERT", createDiff(i, false));
    }

    /** A create's diff built by hand: each attribute's value, in {@code {"new": ...}} or bare. */
    private static String createDiff(InvoiceFields i, boolean wrapped) {
        String[] members = {
            "\"customer\":", "\"" + i.getCustomer() + "\"",
            "\"status\":", "\"" + i.getStatus() + "\"",
            "\"currency\":", "\"" + i.getCurrency() + "\"",
            "\"total\":", String.valueOf(i.getTotal()),
            "\"tax\":", String.valueOf(i.getTax()),
            "\"issuedAt\":", "\"" + i.getIssuedAt() + "\"",
            "\"dueDate\":", "\"" + i.getDueDate() + "\"",
            "\"paid\":", String.valueOf(i.isPaid()),
            "\"reference\":", "\"" + i.getReference() + "\"",
            "\"notes\":", "\"" + i.getNotes() + "\""
        };
        StringBuilder diff = new StringBuilder(400).append('{');
        for (int m = 0; m < members.length; m += 2) {
            diff.append(m == 0 ? "" : ",").append(members[m]);
            if (wrapped) {
                diff.append("{\"new\":").append(members[m + 1]).append('}');
            } else {
                diff.append(members[m + 1]);
            }
        }
        return diff.append('}').toString();
    }

    private void rawUpdateRow(Session session, InvoiceFields i) throws java.sql.SQLException {
        String diff = "{\"status\":{\"old\":\"" + ("PAID".equals(i.getStatus()) ? "ISSUED" : "PAID")
                + "\",\"new\":\"" + i.getStatus() + "\"},\"paid\":{\"old\":" + !i.isPaid() + ",\"new\":" + i.isPaid()
                + "}}";
        rawRow(i, "UPDATE", diff);
    }

    private void rawRow(InvoiceFields invoice, String operation, String diff) throws java.sql.SQLException {
        try (PreparedStatement ps = javersConnection.get().prepareStatement(RAW_INSERT)) {
            ps.setTimestamp(1, Timestamp.from(Instant.now()));
            ps.setString(2, "invoice");
            ps.setString(3, invoice.getId().toString());
            ps.setString(4, operation);
            ps.setString(5, diff);
            ps.setString(6, "bench-user");
            ps.setString(7, null);
            ps.executeUpdate();
        }
    }

    /** Creates the invoices that the update variants change, through each variant's own path. */
    private void populate() throws Exception {
        List<Class<? extends InvoiceFields>> kinds =
                List.of(PlainInvoice.class, LedgerboxInvoice.class, EnversInvoice.class, JaversInvoice.class);
        for (Class<? extends InvoiceFields> kind : kinds) {
            for (int i = 0; i < ROWS_TO_UPDATE; i += 500) {
                inTransaction(session -> {
                    for (int j = 0; j < 500; j++) {
                        InvoiceFields invoice = newInstance(kind);
                        invoice.fill();
                        session.persist(invoice);
                        if (kind == JaversInvoice.class) {
                            session.flush();
                            runExtra(this::javersCommit, session, invoice);
                        }
                    }
                });
            }
            List<Long> found = new ArrayList<>();
            String table = "bench_invoice_"
                    + kind.getSimpleName().replace("Invoice", "").toLowerCase();
            try (Connection c = harness.pool.getConnection();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT id FROM " + table)) {
                while (rs.next()) {
                    found.add(rs.getLong(1));
                }
            }
            ids.put(kind, found.stream().mapToLong(Long::longValue).toArray());
        }
        if (sealing) {
            sealer.sealAll();
        }
    }

    private static InvoiceFields newInstance(Class<? extends InvoiceFields> kind) {
        try {
            return kind.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private void inTransaction(Consumer<Session> work) {
        hibernate.inTransaction(work);
    }

    /** Seals as the publisher does: everything committed, every {@code interval} ms (0: continuously). */
    private void seal(AtomicBoolean running, long interval) {
        while (running.get()) {
            try {
                if (sealer.sealAll() == 0 || interval > 0) {
                    Thread.sleep(interval > 0 ? interval : 20);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                System.err.println("sealer: " + e.getMessage());
            }
        }
    }
}
