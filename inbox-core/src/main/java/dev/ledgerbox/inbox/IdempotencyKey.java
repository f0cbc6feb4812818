package dev.ledgerbox.inbox;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.UUID;

/**
 * Where a source's idempotency key comes from: the sender's natural identifier of the delivery,
 * read from a header, from the body, or from several of those together. A key minted at receipt
 * ({@link #generated()}) is a last resort, marked as such: it cannot recognise a retried delivery.
 * Immutable.
 */
public abstract sealed class IdempotencyKey {

    /** Longest key kept; a longer one is refused as invalid. */
    public static final int MAX_LENGTH = 512;

    private IdempotencyKey() {}

    /** The first of these headers present, e.g. {@code webhook-id}, {@code Idempotency-Key}, {@code X-Request-Id}. */
    public static IdempotencyKey header(String... names) {
        if (names.length == 0) {
            throw new InboxException("IdempotencyKey.header needs at least one header name");
        }
        return new Header(List.of(names));
    }

    /** A value in the JSON body, by JSON pointer, e.g. {@code /id} or {@code /data/object/id}. */
    public static IdempotencyKey jsonPointer(String pointer) {
        try {
            return new Pointer(pointer, JsonPointer.compile(pointer));
        } catch (IllegalArgumentException e) {
            throw new InboxException(
                    "'" + pointer + "' is not a JSON pointer (RFC 6901, e.g. /data/object/id): " + e.getMessage());
        }
    }

    /** Several parts together, joined by {@code :}, e.g. a header for the account and a pointer for the event. */
    public static IdempotencyKey combined(IdempotencyKey... parts) {
        if (parts.length < 2) {
            throw new InboxException("IdempotencyKey.combined needs two parts or more");
        }
        return new Combined(List.of(parts));
    }

    /** A random key per request: the last resort for senders without an identifier. Duplicates go unseen. */
    public static IdempotencyKey generated() {
        return new Generated();
    }

    /** The key of one request, or empty with the reason in {@code missing}. */
    abstract Optional<String> read(Map<String, String> headers, JsonNode body, List<String> missing);

    /** Where the key was read, as stored in {@code key_origin}: {@code header:webhook-id}, {@code body:/id}. */
    abstract String origin();

    /** Whether the body must be parsed to read the key. */
    abstract boolean needsBody();

    static final class Header extends IdempotencyKey {
        private final List<String> names;

        Header(List<String> names) {
            this.names = names.stream().map(n -> n.toLowerCase(Locale.ROOT)).toList();
        }

        @Override
        Optional<String> read(Map<String, String> headers, JsonNode body, List<String> missing) {
            for (String name : names) {
                String value = headers.get(name);
                if (value != null && !value.isBlank()) {
                    return Optional.of(value.trim());
                }
            }
            missing.add("header " + String.join(" or ", names) + " is missing");
            return Optional.empty();
        }

        @Override
        String origin() {
            return "header:" + String.join("|", names);
        }

        @Override
        boolean needsBody() {
            return false;
        }
    }

    static final class Pointer extends IdempotencyKey {
        private final String text;
        private final JsonPointer pointer;

        Pointer(String text, JsonPointer pointer) {
            this.text = text;
            this.pointer = pointer;
        }

        @Override
        Optional<String> read(Map<String, String> headers, JsonNode body, List<String> missing) {
            JsonNode node = body == null ? null : body.at(pointer);
            if (node == null || node.isMissingNode() || node.isNull() || node.isContainerNode()) {
                missing.add("the body has no value at " + text);
                return Optional.empty();
            }
            String value = node.asText();
            if (value.isBlank()) {
                missing.add("the body's value at " + text + " is blank");
                return Optional.empty();
            }
            return Optional.of(value);
        }

        @Override
        String origin() {
            return "body:" + text;
        }

        @Override
        boolean needsBody() {
            return true;
        }
    }

    static final class Combined extends IdempotencyKey {
        private final List<IdempotencyKey> parts;

        Combined(List<IdempotencyKey> parts) {
            this.parts = parts;
        }

        @Override
        Optional<String> read(Map<String, String> headers, JsonNode body, List<String> missing) {
            StringJoiner key = new StringJoiner(":");
            List<String> gaps = new ArrayList<>();
            for (IdempotencyKey part : parts) {
                part.read(headers, body, gaps).ifPresent(key::add);
            }
            if (!gaps.isEmpty()) {
                missing.addAll(gaps);
                return Optional.empty();
            }
            return Optional.of(key.toString());
        }

        @Override
        String origin() {
            StringJoiner origin = new StringJoiner("+");
            parts.forEach(p -> origin.add(p.origin()));
            return origin.toString();
        }

        @Override
        boolean needsBody() {
            return parts.stream().anyMatch(IdempotencyKey::needsBody);
        }
    }

    static final class Generated extends IdempotencyKey {
        @Override
        Optional<String> read(Map<String, String> headers, JsonNode body, List<String> missing) {
            return Optional.of(UUID.randomUUID().toString());
        }

        @Override
        String origin() {
            return "generated";
        }

        @Override
        boolean needsBody() {
            return false;
        }
    }
}
