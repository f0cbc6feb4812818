package dev.ledgerbox.outbound;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The outbound capture's configuration keys (MicroProfile Config in an application); a wrong value
 * is refused with its key, the value and what is expected.
 *
 * <pre>
 * outbound.destinations=payments
 * outbound.destination.payments.idempotency-header=Idempotency-Key
 * outbound.destination.payments.request-id-header=Request-Id
 * outbound.destination.payments.redact-fields=email,iban
 * outbound.destination.payments.redact-headers=x-account-token
 * outbound.datasource=java:comp/DefaultDataSource
 * outbound.body-max=65536
 * outbound.queue-capacity=10000
 * </pre>
 */
public record OutboundSettings(
        List<OutboundDestination> destinations, String dataSource, int bodyMax, int queueCapacity) {

    public static final String PREFIX = "outbound.";

    /** Reads the settings; {@code config} answers a key with its value or null. */
    public static OutboundSettings from(Function<String, String> config) {
        List<OutboundDestination> destinations = new ArrayList<>();
        String names = config.apply(PREFIX + "destinations");
        if (names != null && !names.isBlank()) {
            for (String name : names.split(",")) {
                destinations.add(destination(name.trim(), config));
            }
        }
        String dataSource = config.apply(PREFIX + "datasource");
        return new OutboundSettings(
                List.copyOf(destinations),
                dataSource == null || dataSource.isBlank() ? "java:comp/DefaultDataSource" : dataSource.trim(),
                number(config, "body-max", 64 * 1024),
                number(config, "queue-capacity", 10_000));
    }

    private static OutboundDestination destination(String name, Function<String, String> config) {
        String at = PREFIX + "destination." + name + ".";
        OutboundDestination d;
        try {
            d = OutboundDestination.named(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PREFIX + "destinations: " + e.getMessage(), e);
        }
        String key = at + "idempotency-header";
        try {
            String value = config.apply(key);
            if (value != null && !value.isBlank()) {
                d = d.idempotencyHeader(value.trim());
            }
            key = at + "request-id-header";
            value = config.apply(key);
            if (value != null && !value.isBlank()) {
                d = d.requestIdHeader(value.trim());
            }
            key = at + "redact-fields";
            value = config.apply(key);
            if (value != null && !value.isBlank()) {
                d = d.redactFields(value.trim().split("\\s*,\\s*"));
            }
            key = at + "redact-headers";
            value = config.apply(key);
            if (value != null && !value.isBlank()) {
                d = d.redactHeaders(value.trim().split("\\s*,\\s*"));
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
        }
        return d;
    }

    private static int number(Function<String, String> config, String name, int fallback) {
        String value = config.apply(PREFIX + name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IllegalArgumentException(
                PREFIX + name + " must be a whole number of at least 1, got '" + value + "'");
    }
}
