package dev.ledgerbox.inbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Map;

/** The inbox's JSON: bodies parsed for keys and checks, header maps stored as jsonb. Thread-safe. */
final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    /** Parses a body; throws with the parser's reason (line and column) when it is not JSON. */
    static JsonNode parse(byte[] body) throws IOException {
        if (body.length == 0) {
            throw new IOException("the body is empty");
        }
        return MAPPER.readTree(body);
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, String> stringMap(String json) {
        try {
            return json == null ? Map.of() : MAPPER.readValue(json, new TypeReference<Map<String, String>>() {});
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("inbox_message.headers is not a JSON object of strings: " + e.getMessage());
        }
    }
}
