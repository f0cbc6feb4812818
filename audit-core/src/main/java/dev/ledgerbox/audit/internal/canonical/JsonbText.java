package dev.ledgerbox.audit.internal.canonical;

import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * JSON text exactly as PostgreSQL prints a {@code jsonb} value ({@code diff::text}) and a string
 * ({@code to_json(text)::text}), so that a hash the writer makes over its values is the hash the
 * verifier makes over what was stored: object keys shortest first, then by their UTF-8 bytes;
 * {@code ", "} and {@code ": "} between items; numbers in plain notation with the scale they were
 * given; strings with only {@code "}, {@code \}, and control characters escaped. Thread-safe.
 */
public final class JsonbText {

    private JsonbText() {}

    /** An object of these members as {@code jsonb} prints it. */
    public static String object(Map<String, JsonValue> members) {
        StringBuilder out = new StringBuilder(64 * members.size() + 2);
        object(out, members);
        return out.toString();
    }

    static void append(StringBuilder out, JsonValue value) {
        switch (value.getValueType()) {
            case OBJECT -> object(out, (JsonObject) value); // a JsonObject is a Map<String, JsonValue>
            case ARRAY -> array(out, (JsonArray) value);
            case STRING -> string(out, ((JsonString) value).getString());
                // numeric's text: digits, and as many decimals as its scale (never an exponent)
            case NUMBER -> out.append(((JsonNumber) value).bigDecimalValue().toPlainString());
            case TRUE -> out.append("true");
            case FALSE -> out.append("false");
            case NULL -> out.append("null");
        }
    }

    /** A JSON string as PostgreSQL escapes it, or {@code null} for a missing value. */
    public static void stringOrNull(StringBuilder out, String value) {
        if (value == null) {
            out.append("null");
        } else {
            string(out, value);
        }
    }

    static void string(StringBuilder out, String value) {
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < ' ') {
                        out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private static void array(StringBuilder out, JsonArray array) {
        out.append('[');
        for (int i = 0; i < array.size(); i++) {
            if (i > 0) {
                out.append(", ");
            }
            append(out, array.get(i));
        }
        out.append(']');
    }

    private static void object(StringBuilder out, Map<String, JsonValue> object) {
        out.append('{');
        boolean first = true;
        for (Key key : sorted(object)) {
            if (!first) {
                out.append(", ");
            }
            first = false;
            string(out, key.name);
            out.append(": ");
            append(out, object.get(key.name));
        }
        out.append('}');
    }

    /** A key and its UTF-8 bytes, which jsonb compares: length first, then the bytes. */
    private record Key(String name, byte[] bytes) implements Comparable<Key> {
        Key(String name) {
            this(name, name.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public int compareTo(Key other) {
            return bytes.length != other.bytes.length
                    ? Integer.compare(bytes.length, other.bytes.length)
                    : Arrays.compareUnsigned(bytes, other.bytes);
        }
    }

    private static List<Key> sorted(Map<String, JsonValue> object) {
        List<Key> keys = new ArrayList<>(object.size());
        for (String name : object.keySet()) {
            keys.add(new Key(name));
        }
        keys.sort(null);
        return keys;
    }
}
