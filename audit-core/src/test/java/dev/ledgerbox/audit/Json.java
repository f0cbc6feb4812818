package dev.ledgerbox.audit;

import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parses JSON text into maps, lists, strings, BigDecimals, booleans and {@link #NULL}. */
final class Json {

    /** JSON null, which {@code Map.of} cannot hold. */
    static final String NULL = "<null>";

    private static final JsonProvider PROVIDER = JsonProvider.provider();

    private Json() {}

    @SuppressWarnings("unchecked")
    static Map<String, Object> parse(String text) {
        try (var reader = PROVIDER.createReader(new StringReader(text))) {
            return (Map<String, Object>) toJava(reader.readValue());
        }
    }

    static Object toJava(JsonValue value) {
        return switch (value.getValueType()) {
            case OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                ((JsonObject) value).forEach((k, v) -> map.put(k, toJava(v)));
                yield map;
            }
            case ARRAY -> {
                List<Object> list = new ArrayList<>();
                ((JsonArray) value).forEach(v -> list.add(toJava(v)));
                yield list;
            }
            case STRING -> ((JsonString) value).getString();
            case NUMBER -> ((JsonNumber) value).bigDecimalValue();
            case TRUE -> Boolean.TRUE;
            case FALSE -> Boolean.FALSE;
            case NULL -> NULL;
        };
    }
}
