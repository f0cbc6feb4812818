package dev.ledgerbox.audit;

import dev.ledgerbox.audit.fixtures.Badge;
import dev.ledgerbox.audit.fixtures.Gadget;
import dev.ledgerbox.audit.fixtures.Member;
import dev.ledgerbox.audit.fixtures.ShopOrder;
import dev.ledgerbox.testing.EmbeddedDatabase;
import dev.ledgerbox.testing.SqlRows;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.sql.DataSource;
import org.hibernate.Session;
import org.hibernate.SessionFactory;
import org.hibernate.cfg.AvailableSettings;
import org.hibernate.cfg.Configuration;

/** A Hibernate session factory over the shared embedded PostgreSQL, with the test entities. */
final class Hibernate {

    static final String HASH_KEY = "test-hash-key-0123456789";

    private static SessionFactory factory;

    private Hibernate() {}

    static synchronized SessionFactory factory() {
        if (factory == null) {
            factory = build(Map.of("audit.hash-key", HASH_KEY, "audit.max-diff-bytes", "4096"));
        }
        return factory;
    }

    static SessionFactory build(Map<String, String> settings) {
        return build(settings, db());
    }

    static SessionFactory build(Map<String, String> settings, DataSource dataSource) {
        Configuration config = new Configuration()
                .addAnnotatedClass(ShopOrder.class)
                .addAnnotatedClass(Member.class)
                .addAnnotatedClass(Badge.class)
                .addAnnotatedClass(Gadget.class)
                .addAnnotatedClass(dev.ledgerbox.audit.fixtures.Reading.class)
                .addAnnotatedClass(dev.ledgerbox.audit.fixtures.Ticket.class)
                .setProperty(AvailableSettings.JAKARTA_HBM2DDL_DATABASE_ACTION, "drop-and-create")
                .setProperty(AvailableSettings.GENERATE_STATISTICS, "true");
        settings.forEach(config::setProperty);
        config.getProperties().put(AvailableSettings.JAKARTA_NON_JTA_DATASOURCE, dataSource);
        return config.buildSessionFactory();
    }

    static DataSource db() {
        return EmbeddedDatabase.shared().dataSource();
    }

    static void inTransaction(Consumer<Session> work) {
        factory().inTransaction(work);
    }

    static <T> T fromTransaction(Function<Session, T> work) {
        return factory().fromTransaction(work);
    }

    /** Rows of a query, as column-label maps of text. */
    static List<Map<String, Object>> query(String sql, Object... params) {
        try {
            return new SqlRows(db()).query(sql, params);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    static void execute(String sql) {
        try {
            new SqlRows(db()).execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    /** Empties the append-only audit tables, as the owner, with their triggers off. */
    static void resetAuditLog() {
        execute("ALTER TABLE audit_log DISABLE TRIGGER USER; ALTER TABLE audit_seal DISABLE TRIGGER USER;"
                + " ALTER TABLE audit_seal_progress DISABLE TRIGGER USER;"
                + " TRUNCATE audit_log, audit_seal, audit_seal_progress;"
                + " ALTER TABLE audit_log ENABLE TRIGGER USER; ALTER TABLE audit_seal ENABLE TRIGGER USER;"
                + " ALTER TABLE audit_seal_progress ENABLE TRIGGER USER;");
    }
}
