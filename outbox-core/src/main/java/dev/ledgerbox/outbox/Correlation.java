package dev.ledgerbox.outbox;

import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The correlation id of the work the current thread is doing: set by {@link CorrelationIdFilter}
 * for HTTP requests, or by {@link #open(String)} for batch jobs and message consumers. Events and
 * audit rows written while it is set carry it; without one, each transaction gets a generated id
 * shared by everything it writes.
 *
 * <p>Thread-safe: the id is held per thread.
 */
public final class Correlation {

    /** Longest id accepted from outside; longer ones are replaced by a generated id. */
    public static final int MAX_LENGTH = 128;

    private static final Pattern ACCEPTED = Pattern.compile("[A-Za-z0-9._:@/+=-]{1," + MAX_LENGTH + "}");
    private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

    private Correlation() {}

    /** The current thread's correlation id, if one is set. */
    public static Optional<String> current() {
        return Optional.ofNullable(CURRENT.get());
    }

    /**
     * Sets the current thread's correlation id until the returned scope is closed, which restores
     * the previous one.
     *
     * <pre>{@code
     * try (Correlation.Scope scope = Correlation.open("nightly-import-2026-11-24")) { ... }
     * }</pre>
     *
     * @throws IllegalArgumentException if the id is not {@link #isAcceptable acceptable}
     */
    public static Scope open(String correlationId) {
        if (!isAcceptable(correlationId)) {
            throw new IllegalArgumentException("correlation id must be 1 to " + MAX_LENGTH
                    + " characters of [A-Za-z0-9._:@/+=-], got '" + abbreviate(correlationId) + "'");
        }
        String previous = CURRENT.get();
        CURRENT.set(correlationId);
        return () -> {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        };
    }

    /** Whether a value received from outside (e.g. an {@code X-Request-Id} header) can be used as it is. */
    public static boolean isAcceptable(String candidate) {
        return candidate != null && ACCEPTED.matcher(candidate).matches();
    }

    /** A new random correlation id. */
    public static String newId() {
        return UUID.randomUUID().toString();
    }

    private static String abbreviate(String value) {
        if (value == null) {
            return "null";
        }
        return value.length() <= 40 ? value : value.substring(0, 40) + "...";
    }

    /** Restores the previous correlation id when closed. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
