package dev.ledgerbox.outbox;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An event to write to the outbox: what happened ({@code type}), to which aggregate, and the
 * payload, serialised to JSON with JSON-B when it is written.
 *
 * <p>Immutable and thread-safe. Nothing is validated here: {@link Outbox#emit} checks the event
 * and reports every problem with the place it came from.
 *
 * <pre>{@code
 * OutboxEvent.of("order", 42, "order.created", order)
 * OutboxEvent.builder("order", 42, "order.created").payload(order).tenant("acme").header("source", "web").build()
 * }</pre>
 */
public final class OutboxEvent {

    private final String aggregateType;
    private final String aggregateId;
    private final String type;
    private final Object payload;
    private final String tenantId;
    private final Map<String, String> headers;
    private final int schemaVersion;

    private OutboxEvent(Builder b) {
        this.aggregateType = b.aggregateType;
        this.aggregateId = b.aggregateId;
        this.type = b.type;
        this.payload = b.payload;
        this.tenantId = b.tenantId;
        this.headers = b.headers.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(b.headers));
        this.schemaVersion = b.schemaVersion;
    }

    /**
     * An event with the given aggregate, type and payload.
     *
     * @param aggregateId the aggregate's id; any object, written as its {@code toString()}
     */
    public static OutboxEvent of(String aggregateType, Object aggregateId, String type, Object payload) {
        return builder(aggregateType, aggregateId, type).payload(payload).build();
    }

    public static Builder builder(String aggregateType, Object aggregateId, String type) {
        return new Builder(aggregateType, aggregateId, type);
    }

    /** The kind of aggregate, e.g. {@code order}: Debezium's {@code aggregatetype}. */
    public String aggregateType() {
        return aggregateType;
    }

    /** The aggregate's id, e.g. {@code 42}: Debezium's {@code aggregateid}. */
    public String aggregateId() {
        return aggregateId;
    }

    /** What happened, e.g. {@code order.created}. */
    public String type() {
        return type;
    }

    public Object payload() {
        return payload;
    }

    public String tenantId() {
        return tenantId;
    }

    public Map<String, String> headers() {
        return headers;
    }

    /** Version of the payload's shape, for consumers; 1 unless set. */
    public int schemaVersion() {
        return schemaVersion;
    }

    @Override
    public String toString() {
        // the payload is left out on purpose: it may hold personal data
        return "OutboxEvent[" + type + " " + aggregateType + "/" + aggregateId + "]";
    }

    /** Builds an {@link OutboxEvent}. Not thread-safe. */
    public static final class Builder {
        private final String aggregateType;
        private final String aggregateId;
        private final String type;
        private Object payload;
        private String tenantId;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private int schemaVersion = 1;

        private Builder(String aggregateType, Object aggregateId, String type) {
            this.aggregateType = aggregateType;
            this.aggregateId = aggregateId == null ? null : aggregateId.toString();
            this.type = type;
        }

        public Builder payload(Object payload) {
            this.payload = payload;
            return this;
        }

        public Builder tenant(String tenantId) {
            this.tenantId = tenantId;
            return this;
        }

        /** Adds a header, carried with the event to every sink. */
        public Builder header(String name, String value) {
            headers.put(Objects.requireNonNull(name, "header name"), Objects.requireNonNull(value, "header value"));
            return this;
        }

        public Builder schemaVersion(int schemaVersion) {
            this.schemaVersion = schemaVersion;
            return this;
        }

        public OutboxEvent build() {
            return new OutboxEvent(this);
        }
    }
}
