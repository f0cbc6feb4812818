package dev.ledgerbox.outbound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ledgerbox.outbox.spi.Redaction;
import dev.ledgerbox.publisher.spi.Text;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Bodies as they are stored and logged: configured fields redacted (JSON at any depth, form
 * fields), NUL characters replaced, truncated to the configured size; binary bodies are not kept,
 * only their size and hash. Thread-safe.
 */
final class Bodies {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * A body as stored.
     *
     * @param text what is stored and logged, or {@code null} for a binary body
     * @param sha256 of the body as stored before truncation (after redaction)
     * @param bytes size on the wire
     */
    record Rendered(String text, String sha256, int bytes, boolean truncated) {}

    private Bodies() {}

    static Rendered render(byte[] body, String contentType, Set<String> redacted, int max) {
        if (body == null) {
            return null;
        }
        if (!textual(contentType)) {
            return new Rendered(null, Text.sha256(body), body.length, false);
        }
        String text = new String(body, StandardCharsets.UTF_8);
        String safe = Redaction.text(redact(text, contentType, redacted));
        boolean truncated = safe.length() > max;
        return new Rendered(
                truncated ? safe.substring(0, max) : safe,
                Text.sha256(safe.getBytes(StandardCharsets.UTF_8)),
                body.length,
                truncated);
    }

    private static boolean textual(String contentType) {
        if (contentType == null) {
            return true;
        }
        String t = contentType.toLowerCase(Locale.ROOT);
        return t.startsWith("text/")
                || t.contains("json")
                || t.contains("xml")
                || t.contains("x-www-form-urlencoded")
                || t.contains("javascript")
                || t.contains("graphql");
    }

    static String redact(String text, String contentType, Set<String> fields) {
        if (fields.isEmpty() || text.isEmpty() || !mentionsAny(text, fields)) {
            return text; // no field of those names can be in it: not parsed
        }
        String t = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        if (t.contains("x-www-form-urlencoded")) {
            return redactForm(text, fields);
        }
        String trimmed = text.stripLeading();
        if (t.contains("json") || trimmed.startsWith("{") || trimmed.startsWith("[")) {
            try {
                JsonNode tree = MAPPER.readTree(text);
                return tree != null && redactJson(tree, fields) ? MAPPER.writeValueAsString(tree) : text;
            } catch (IOException e) {
                return text; // not JSON after all: kept as it is
            }
        }
        return text;
    }

    /** Whether a field name occurs in the text at all, compared without regard to case. */
    private static boolean mentionsAny(String text, Set<String> fields) {
        String lower = text.toLowerCase(Locale.ROOT);
        for (String field : fields) {
            if (lower.contains(field)) {
                return true;
            }
        }
        return false;
    }

    private static boolean redactJson(JsonNode node, Set<String> fields) {
        boolean changed = false;
        if (node instanceof ObjectNode object) {
            for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (fields.contains(field.getKey().toLowerCase(Locale.ROOT))) {
                    field.setValue(object.textNode(Redaction.REDACTED));
                    changed = true;
                } else {
                    changed |= redactJson(field.getValue(), fields);
                }
            }
        } else if (node instanceof ArrayNode array) {
            for (JsonNode element : array) {
                changed |= redactJson(element, fields);
            }
        }
        return changed;
    }

    private static String redactForm(String text, Set<String> fields) {
        StringBuilder out = new StringBuilder(text.length());
        for (String pair : text.split("&", -1)) {
            if (out.length() > 0) {
                out.append('&');
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            // a[b] and a.b name the field b of a: the last segment decides
            String last = name.replaceAll(".*[\\[.]", "").replace("]", "").toLowerCase(Locale.ROOT);
            if (eq >= 0 && (fields.contains(last) || fields.contains(name.toLowerCase(Locale.ROOT)))) {
                out.append(pair, 0, eq + 1).append(Redaction.REDACTED);
            } else {
                out.append(pair);
            }
        }
        return out.toString();
    }
}
