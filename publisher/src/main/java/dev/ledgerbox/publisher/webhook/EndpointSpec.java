package dev.ledgerbox.publisher.webhook;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What to register as a webhook endpoint; {@link Builder#build()} checks every value and names
 * the bad one. Immutable.
 */
public record EndpointSpec(
        URI url,
        String description,
        List<String> eventTypes,
        boolean allowPrivate,
        Duration timeout,
        int maxConcurrency,
        Integer ratePerSecond,
        Map<String, String> headers) {

    private static final Pattern TYPE = Pattern.compile("[A-Za-z0-9_\\-]+(\\.[A-Za-z0-9_\\-]+)*");
    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~\\-]+");
    private static final Set<String> RESERVED_HEADERS = Set.of(
            "webhook-id",
            "webhook-timestamp",
            "webhook-signature",
            "content-type",
            "content-length",
            "user-agent",
            "traceparent",
            "x-correlation-id",
            "tracestate",
            "baggage",
            "host",
            "connection",
            "transfer-encoding");

    public static Builder builder(String url) {
        return new Builder(url);
    }

    /** Checks an event type filter: {@code *}, an exact type or a prefix such as {@code order.*}. */
    static String eventType(String pattern) {
        String p = pattern == null ? "" : pattern.trim();
        if (p.equals("*")) {
            return p;
        }
        String stem = p.endsWith(".*") ? p.substring(0, p.length() - 2) : p;
        if (!TYPE.matcher(stem).matches()) {
            throw new WebhookException("event type filter '" + pattern
                    + "' is not valid: use '*', an exact type such as 'order.created' or a prefix such as 'order.*'");
        }
        return p;
    }

    /** Fluent, checked construction of an {@link EndpointSpec}. Not thread-safe. */
    public static final class Builder {
        private final String url;
        private String description;
        private final List<String> eventTypes = new ArrayList<>();
        private boolean allowPrivate;
        private Duration timeout = Duration.ofSeconds(10);
        private int maxConcurrency = 8;
        private Integer ratePerSecond;
        private final Map<String, String> headers = new LinkedHashMap<>();

        private Builder(String url) {
            this.url = url;
        }

        public Builder description(String description) {
            this.description = description;
            return this;
        }

        /** Event type filters; none means every type ({@code *}). */
        public Builder eventTypes(String... patterns) {
            eventTypes.addAll(List.of(patterns));
            return this;
        }

        public Builder eventTypes(List<String> patterns) {
            eventTypes.addAll(patterns);
            return this;
        }

        /** Allows targets on loopback and private networks (local development, tests). */
        public Builder allowPrivate(boolean allowPrivate) {
            this.allowPrivate = allowPrivate;
            return this;
        }

        /** The whole attempt, from connect to the last byte of the response: 100 ms to 5 min. */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Attempts in flight at once to this endpoint, per publisher instance: 1 to 1000. */
        public Builder maxConcurrency(int maxConcurrency) {
            this.maxConcurrency = maxConcurrency;
            return this;
        }

        /** Attempts started per second, per publisher instance; null for no limit. */
        public Builder ratePerSecond(Integer ratePerSecond) {
            this.ratePerSecond = ratePerSecond;
            return this;
        }

        /** A header sent with every request (such as {@code Authorization}); stored redacted in attempts. */
        public Builder header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        public EndpointSpec build() {
            URI uri = TargetGuard.url(url);
            if (!allowPrivate) {
                TargetGuard.check(uri);
            }
            List<String> types = new ArrayList<>();
            for (String t : eventTypes.isEmpty() ? List.of("*") : eventTypes) {
                types.add(eventType(t));
            }
            if (timeout == null || timeout.toMillis() < 100 || timeout.compareTo(Duration.ofMinutes(5)) > 0) {
                throw new WebhookException("endpoint timeout is " + timeout + ": it must be from 100ms to 5m");
            }
            if (maxConcurrency < 1 || maxConcurrency > 1000) {
                throw new WebhookException(
                        "endpoint max-concurrency is " + maxConcurrency + ": it must be from 1 to 1000");
            }
            if (ratePerSecond != null && ratePerSecond < 1) {
                throw new WebhookException("endpoint rate is " + ratePerSecond + " per second: it must be at least 1");
            }
            for (Map.Entry<String, String> h : headers.entrySet()) {
                String name = h.getKey();
                if (name == null || !HEADER_NAME.matcher(name).matches()) {
                    throw new WebhookException("header name '" + name + "' is not a valid HTTP header name");
                }
                if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                    throw new WebhookException(
                            "header '" + name + "' is set by the publisher and cannot be overridden");
                }
                if (h.getValue() == null
                        || h.getValue().indexOf('\r') >= 0
                        || h.getValue().indexOf('\n') >= 0) {
                    throw new WebhookException("header '" + name + "' needs a value on one line");
                }
            }
            return new EndpointSpec(
                    uri,
                    description,
                    List.copyOf(types),
                    allowPrivate,
                    timeout,
                    maxConcurrency,
                    ratePerSecond,
                    Map.copyOf(headers));
        }
    }
}
