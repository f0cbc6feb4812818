package dev.ledgerbox.outbox.internal;

import dev.ledgerbox.outbox.OutboxEvent;
import dev.ledgerbox.outbox.OutboxException;
import dev.ledgerbox.outbox.spi.TraceContext;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.UUID;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The container-free core of the outbox: checks, serialises and inserts one event on a given
 * connection, in whatever transaction that connection is in. The CDI layer supplies the JTA
 * connection and context; tests and benchmarks drive it directly. Thread-safe.
 */
public final class OutboxWriter {

    private final EventAssembler assembler;
    private final JdbcOutboxWriter jdbc;

    public OutboxWriter(PayloadSerializer serializer, OutboxSettings settings, Clock clock) {
        this(serializer, settings, clock, System::nanoTime);
    }

    /** @param nanoTime times how long a look for a sleeping publisher is trusted (a test moves it) */
    OutboxWriter(PayloadSerializer serializer, OutboxSettings settings, Clock clock, LongSupplier nanoTime) {
        this.assembler = new EventAssembler(serializer, settings.maxPayloadBytes(), clock);
        this.jdbc = new JdbcOutboxWriter(nanoTime);
    }

    /**
     * @return the new event's id
     * @throws dev.ledgerbox.outbox.InvalidEventException when the event is not valid; nothing is
     *     written
     * @throws OutboxException when the database refuses the row
     */
    public UUID write(
            Connection connection,
            OutboxEvent event,
            String correlationId,
            TraceContext trace,
            Supplier<String> origin) {
        EventRecord record = assembler.assemble(event, correlationId, trace, origin);
        try {
            jdbc.insert(connection, record);
        } catch (SQLException e) {
            throw new OutboxException(
                    origin.get() + ": could not insert outbox event '" + event.type() + "' (" + event.aggregateType()
                            + "/" + event.aggregateId() + "): " + e.getMessage(),
                    e);
        }
        return record.id();
    }
}
