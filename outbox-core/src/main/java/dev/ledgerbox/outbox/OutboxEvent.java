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
 * OutboxEvent.builder("order", 42, "order.viewed").payload(view).unordered().build()
 * }</pre>
 *
 * <p><b>Order.</b> An event is numbered in its aggregate ({@code aggregate_seq} 1, 2, 3, … in
 * commit order) and the publisher delivers an aggregate's events in that order. Numbering takes the
 * aggregate's counter row until commit, which costs about as much again as the event's own insert
 * ({@code docs/performance.md}). An event whose consumers do not need that order can be written
 * {@link Builder#unordered() unordered}: it has no number, is delivered as soon as it is due, and
 * neither waits for nor holds back its aggregate's other events.
 */
public final class OutboxEvent {

    private final String aggregateType;
    private final String aggregateId;
    private final String type;
    private final Object payload;
    private final String tenantId;
    private final Map<String, String> headers;
    private final int schemaVersion;
    private final boolean ordered;

    private OutboxEvent(Builder b) {
        this.aggregateType = b.aggregateType;
        this.aggregateId = b.aggregateId;
        this.type = b.type;
        this.payload = b.payload;
        this.tenantId = b.tenantId;
        this.headers = b.headers.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(b.headers));
        this.schemaVersion = b.schemaVersion;
        this.ordered = b.ordered;
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

    /**
     * Whether the event is numbered and delivered in its aggregate's commit order (the default);
     * see the class documentation.
     */
    public boolean ordered() {
        return ordered;
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
        private boolean ordered = true;

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

        /**
         * Writes the event without a number in its aggregate: it is delivered as soon as it is
         * due, neither waiting for nor holding back the aggregate's other events, and its write
         * skips the aggregate's counter row. For events whose consumers do not rely on order.
         */
        public Builder unordered() {
            this.ordered = false;
            return this;
        }

        public OutboxEvent build() {
            return new OutboxEvent(this);
        }
    }
}
