package dev.ledgerbox.audit.internal.canonical;

import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * JSON text exactly as PostgreSQL prints a {@code jsonb} value ({@code diff::text}) and a string
 * ({@code to_json(text)::text}), so that a hash the writer makes over its values is the hash the
 * verifier makes over what was stored: object keys shortest first, then by their UTF-8 bytes;
 * {@code ", "} and {@code ": "} between items; numbers in plain notation with the scale they were
 * given; strings with only {@code "}, {@code \}, and control characters escaped. Thread-safe.
 */
public final class JsonbText {

    private JsonbText() {}

    /**
     * An object whose members' values are already {@code jsonb} text, as {@code jsonb} prints it;
     * the map must be sorted by {@link #KEY_ORDER}.
     */
    public static String renderedObject(SortedMap<String, String> members) {
        if (members.comparator() != KEY_ORDER) {
            throw new IllegalArgumentException("the members must be sorted by JsonbText.KEY_ORDER");
        }
        int size = 2;
        for (Map.Entry<String, String> member : members.entrySet()) {
            size += member.getKey().length() + member.getValue().length() + 6;
        }
        StringBuilder out = new StringBuilder(size);
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, String> member : members.entrySet()) {
            if (!first) {
                out.append(", ");
            }
            first = false;
            string(out, member.getKey());
            out.append(": ").append(member.getValue());
        }
        return out.append('}').toString();
    }

    /**
     * The order of {@code jsonb}'s object keys: shorter UTF-8 first, then by their UTF-8 bytes
     * (which is the order of their code points).
     */
    public static final Comparator<String> KEY_ORDER = JsonbText::compareKeys;

    /** Appends the value as {@code jsonb} prints it. */
    public static void append(StringBuilder out, JsonValue value) {
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

    /** A JSON string as PostgreSQL escapes it. */
    public static void string(StringBuilder out, String value) {
        out.append('"');
        int plain = 0; // most strings need no escape: appended whole
        while (plain < value.length()) {
            char c = value.charAt(plain);
            if (c < ' ' || c == '"' || c == '\\') {
                break;
            }
            plain++;
        }
        out.append(value, 0, plain);
        for (int i = plain; i < value.length(); i++) {
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
        for (String key : sorted(object)) {
            if (!first) {
                out.append(", ");
            }
            first = false;
            string(out, key);
            out.append(": ");
            append(out, object.get(key));
        }
        out.append('}');
    }

    private static List<String> sorted(Map<String, JsonValue> object) {
        List<String> keys = new ArrayList<>(object.keySet());
        keys.sort(KEY_ORDER);
        return keys;
    }

    private static int compareKeys(String a, String b) {
        int byLength = Integer.compare(utf8Length(a), utf8Length(b));
        if (byLength != 0) {
            return byLength;
        }
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            if (a.charAt(i) != b.charAt(i)) {
                // a surrogate pair's code point is above every other char: compare code points
                return Integer.compare(a.codePointAt(i), b.codePointAt(i));
            }
        }
        return Integer.compare(a.length(), b.length());
    }

    private static int utf8Length(String s) {
        int bytes = s.length();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                // 2 bytes below U+0800, else 3; a surrogate pair's 4 are its two chars' 2 extra each
                bytes += c < 0x800 ? 1 : Character.isSurrogate(c) ? 1 : 2;
            }
        }
        return bytes;
    }
}
