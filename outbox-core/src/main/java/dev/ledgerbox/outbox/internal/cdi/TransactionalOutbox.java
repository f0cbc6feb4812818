package dev.ledgerbox.outbox.internal.cdi;

import dev.ledgerbox.outbox.NoTransactionException;
import dev.ledgerbox.outbox.Outbox;
import dev.ledgerbox.outbox.OutboxEvent;
import dev.ledgerbox.outbox.OutboxException;
import dev.ledgerbox.outbox.internal.JsonbPayloadSerializer;
import dev.ledgerbox.outbox.internal.OutboxSettings;
import dev.ledgerbox.outbox.internal.OutboxWriter;
import dev.ledgerbox.outbox.spi.TraceContext;
import dev.ledgerbox.outbox.spi.TransactionContext;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Status;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.UUID;
import java.util.function.Supplier;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The injectable {@link Outbox}: writes on a connection of the configured JTA data source, which
 * the container enlists in (and shares within) the caller's transaction. On any failure the
 * transaction is marked rollback-only before the exception leaves, so business data never
 * commits without its event. Thread-safe.
 */
@ApplicationScoped
public class TransactionalOutbox implements Outbox {

    private static final StackWalker STACK = StackWalker.getInstance();

    @Resource(lookup = "java:comp/TransactionSynchronizationRegistry")
    TransactionSynchronizationRegistry transactions;

    private OutboxSettings settings;
    private DataSource dataSource;
    private JsonbPayloadSerializer serializer;
    private OutboxWriter writer;

    @PostConstruct
    void start() {
        var config = ConfigProvider.getConfig();
        settings = OutboxSettings.from(
                key -> config.getOptionalValue(key, String.class).orElse(null));
        try {
            dataSource = InitialContext.doLookup(settings.dataSource());
        } catch (NamingException e) {
            throw new OutboxException(
                    OutboxSettings.DATASOURCE + " names '" + settings.dataSource()
                            + "', which is not a data source here: " + e.getMessage() + ". Set "
                            + OutboxSettings.DATASOURCE + " to the JNDI name of the application's JTA data source",
                    e);
        }
        serializer = new JsonbPayloadSerializer();
        writer = new OutboxWriter(serializer, settings, Clock.systemUTC());
    }

    @PreDestroy
    void stop() {
        serializer.close();
    }

    @Override
    public UUID emit(OutboxEvent event) {
        return emit(event, TransactionalOutbox::caller);
    }

    /** Writes the event; {@code origin} names the caller in error messages. */
    UUID emit(OutboxEvent event, Supplier<String> origin) {
        int status = transactions.getTransactionStatus();
        if (status != Status.STATUS_ACTIVE && status != Status.STATUS_MARKED_ROLLBACK) {
            throw new NoTransactionException(origin.get() + ": outbox event '" + event.type()
                    + "' needs an active JTA transaction (status: " + statusName(status)
                    + "). Nothing was written. Call it from an EJB with a container-managed transaction or from a"
                    + " @Transactional method");
        }
        TransactionContext context = TransactionContext.of(transactions).orElseThrow();
        try (Connection connection = dataSource.getConnection()) {
            TraceContext trace = TraceContext.current();
            UUID id = writer.write(
                    connection,
                    event,
                    context.correlationId(),
                    trace == TraceContext.NONE ? context.trace() : trace,
                    origin);
            context.eventWritten(id);
            return id;
        } catch (SQLException e) {
            transactions.setRollbackOnly();
            throw new OutboxException(
                    origin.get() + ": no connection from " + settings.dataSource() + " for outbox event '"
                            + event.type() + "': " + e.getMessage(),
                    e);
        } catch (RuntimeException e) {
            transactions.setRollbackOnly();
            throw e;
        }
    }

    /** Whether the current transaction is still headed for commit. */
    boolean transactionWillCommit() {
        return transactions.getTransactionStatus() == Status.STATUS_ACTIVE;
    }

    void markRollbackOnly() {
        transactions.setRollbackOnly();
    }

    /** The first frame outside the framework and the container's proxies, for error messages. */
    private static String caller() {
        return STACK.walk(frames -> frames.filter(f -> !f.getClassName().startsWith("dev.ledgerbox.outbox.internal")
                        && !f.getClassName().contains("$$")
                        && !f.getClassName().contains("Proxy"))
                .findFirst()
                .map(f -> {
                    String cls = f.getClassName();
                    return cls.substring(cls.lastIndexOf('.') + 1) + "." + f.getMethodName() + " (line "
                            + f.getLineNumber() + ")";
                })
                .orElse("Outbox.emit"));
    }

    private static String statusName(int status) {
        return switch (status) {
            case Status.STATUS_NO_TRANSACTION -> "no transaction";
            case Status.STATUS_COMMITTED -> "committed";
            case Status.STATUS_COMMITTING -> "committing";
            case Status.STATUS_PREPARED -> "prepared";
            case Status.STATUS_PREPARING -> "preparing";
            case Status.STATUS_ROLLEDBACK -> "rolled back";
            case Status.STATUS_ROLLING_BACK -> "rolling back";
            default -> "status " + status;
        };
    }
}
