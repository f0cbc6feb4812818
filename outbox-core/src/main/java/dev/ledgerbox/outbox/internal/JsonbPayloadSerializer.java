package dev.ledgerbox.outbox.internal;

import jakarta.json.JsonValue;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.json.bind.JsonbConfig;
import jakarta.json.bind.config.PropertyOrderStrategy;

/**
 * The default {@link PayloadSerializer}: JSON-B with a stable shape. Properties in lexicographic
 * order, null properties left out, dates and times in ISO-8601, no formatting. A {@link
 * JsonValue} is written as it is. Thread-safe.
 */
public final class JsonbPayloadSerializer implements PayloadSerializer, AutoCloseable {

    private final Jsonb jsonb;

    public JsonbPayloadSerializer() {
        this.jsonb = JsonbBuilder.create(new JsonbConfig()
                .withPropertyOrderStrategy(PropertyOrderStrategy.LEXICOGRAPHICAL)
                .withNullValues(false)
                .withFormatting(false));
    }

    @Override
    public String toJson(Object payload) {
        if (payload instanceof JsonValue json) {
            return json.toString();
        }
        return jsonb.toJson(payload);
    }

    @Override
    public void close() {
        try {
            jsonb.close();
        } catch (Exception e) {
            throw new IllegalStateException("could not close JSON-B", e);
        }
    }
}
