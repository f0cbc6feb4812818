package dev.ledgerbox.outbox.internal;

import dev.ledgerbox.outbox.ConfigurationException;
import java.util.function.Function;

/**
 * The outbox's configuration, validated. Immutable.
 *
 * <table>
 *   <caption>Keys</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code outbox.datasource}</td><td>{@code java:comp/DefaultDataSource}</td>
 *       <td>JNDI name of the JTA data source the outbox table lives in (the application's own)</td></tr>
 *   <tr><td>{@code outbox.max-payload-bytes}</td><td>{@code 1048576}</td>
 *       <td>largest payload accepted, in bytes of UTF-8 JSON</td></tr>
 * </table>
 */
public record OutboxSettings(String dataSource, int maxPayloadBytes) {

    public static final String DATASOURCE = "outbox.datasource";
    public static final String MAX_PAYLOAD_BYTES = "outbox.max-payload-bytes";

    public static final String DEFAULT_DATASOURCE = "java:comp/DefaultDataSource";
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 1 << 20;
    /** PostgreSQL's jsonb stops at 255 MiB; stay well below. */
    public static final int LARGEST_MAX_PAYLOAD_BYTES = 64 << 20;

    public OutboxSettings {
        if (dataSource == null || dataSource.isBlank()) {
            throw new ConfigurationException(DATASOURCE + " must name a JNDI data source, got '" + dataSource + "'");
        }
        if (maxPayloadBytes < 1 || maxPayloadBytes > LARGEST_MAX_PAYLOAD_BYTES) {
            throw new ConfigurationException(MAX_PAYLOAD_BYTES + " must be between 1 and " + LARGEST_MAX_PAYLOAD_BYTES
                    + ", got '" + maxPayloadBytes + "'");
        }
    }

    public static OutboxSettings defaults() {
        return new OutboxSettings(DEFAULT_DATASOURCE, DEFAULT_MAX_PAYLOAD_BYTES);
    }

    /**
     * Reads and validates the settings.
     *
     * @param lookup a key's raw value, or null when it is not set (e.g. MicroProfile Config's
     *     {@code getOptionalValue(key, String.class).orElse(null)})
     * @throws ConfigurationException naming the key and the bad value
     */
    public static OutboxSettings from(Function<String, String> lookup) {
        String dataSource = lookup.apply(DATASOURCE);
        String maxBytes = lookup.apply(MAX_PAYLOAD_BYTES);
        return new OutboxSettings(
                dataSource == null ? DEFAULT_DATASOURCE : dataSource.trim(),
                maxBytes == null ? DEFAULT_MAX_PAYLOAD_BYTES : parseInt(MAX_PAYLOAD_BYTES, maxBytes));
    }

    private static int parseInt(String key, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new ConfigurationException(key + " must be a whole number of bytes, got '" + value + "'");
        }
    }
}
