package dev.ledgerbox.audit.internal;

import dev.ledgerbox.audit.AuditException;
import dev.ledgerbox.audit.internal.canonical.JsonbText;
import dev.ledgerbox.outbox.spi.Timestamps;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.json.spi.JsonProvider;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.time.temporal.TemporalAccessor;
import java.util.Base64;
import java.util.Calendar;
import java.util.Collection;
import java.util.Date;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.proxy.HibernateProxy;
import org.hibernate.type.ComponentType;
import org.hibernate.type.EntityType;
import org.hibernate.type.Type;

/**
 * Turns attribute values into the JSON stored in diffs: scalars as JSON scalars, dates and times
 * in ISO-8601, enums by name, binary as base64, associations as the associated entity's id,
 * embeddables as objects. Other types go through JSON-B; what it cannot render is an {@link
 * AuditException} naming the entity and attribute. Thread-safe.
 */
final class ValueRenderer {

    static final String MASK = "***";

    private final JsonProvider json = JsonProvider.provider();
    private final SecretKeySpec hashKey;
    private volatile Jsonb jsonb;

    ValueRenderer(byte[] hashKey) {
        this.hashKey = hashKey == null ? null : new SecretKeySpec(hashKey, "HmacSHA256");
    }

    JsonProvider json() {
        return json;
    }

    JsonValue masked(Object value) {
        return value == null ? JsonValue.NULL : json.createValue(MASK);
    }

    JsonValue hashed(JsonValue rendered, String where) {
        if (rendered == JsonValue.NULL) {
            return JsonValue.NULL;
        }
        if (hashKey == null) {
            throw new AuditException(where + " is @AuditHashed but " + AuditSettings.HASH_KEY + " is not set");
        }
        String text = rendered.getValueType() == JsonValue.ValueType.STRING
                ? ((jakarta.json.JsonString) rendered).getString()
                : rendered.toString();
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(hashKey);
            byte[] digest = mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
            return json.createValue("hmac-sha256:" + HexFormat.of().formatHex(digest));
        } catch (GeneralSecurityException e) {
            throw new AuditException(where + ": HMAC-SHA256 is not available: " + e.getMessage(), e);
        }
    }

    /** The JSON of a value of the given Hibernate type; {@code where} names it in errors. */
    JsonValue render(Object value, Type type, SharedSessionContractImplementor session, String where) {
        if (value == null) {
            return JsonValue.NULL;
        }
        if (type instanceof EntityType entityType) {
            return render(entityId(value, entityType, session), null, session, where);
        }
        if (type instanceof ComponentType component) {
            String[] names = component.getPropertyNames();
            Type[] types = component.getSubtypes();
            Object[] values = component.getPropertyValues(value);
            JsonObjectBuilder object = json.createObjectBuilder();
            for (int i = 0; i < names.length; i++) {
                object.add(names[i], render(values[i], types[i], session, where + "." + names[i]));
            }
            return object.build();
        }
        return scalar(value, where);
    }

    /** The id of an associated entity, without loading it. */
    static Object entityId(Object value, EntityType type, SharedSessionContractImplementor session) {
        if (value instanceof HibernateProxy proxy) {
            return proxy.getHibernateLazyInitializer().getInternalIdentifier();
        }
        return session.getEntityPersister(type.getAssociatedEntityName(), value).getIdentifier(value, session);
    }

    /**
     * Appends the JSON of a value of the given Hibernate type as {@code jsonb} prints it: what
     * {@link #render} makes, the usual scalars written directly.
     */
    void appendJsonb(
            StringBuilder out, Object value, Type type, SharedSessionContractImplementor session, String where) {
        if (value == null) {
            out.append("null");
        } else if (type instanceof EntityType entityType) {
            appendJsonb(out, entityId(value, entityType, session), null, session, where);
        } else if (type instanceof ComponentType) {
            JsonbText.append(out, render(value, type, session, where));
        } else if (value instanceof Boolean b) {
            out.append(b.booleanValue());
        } else if (value instanceof Integer
                || value instanceof Long
                || value instanceof Short
                || value instanceof Byte) {
            out.append(((Number) value).longValue());
        } else if (value instanceof BigDecimal d) {
            out.append(d.toPlainString()); // as JsonbText prints a number
        } else {
            String text = asString(value);
            if (text != null) {
                JsonbText.string(out, text);
            } else {
                JsonbText.append(out, scalar(value, where));
            }
        }
    }

    private JsonValue scalar(Object value, String where) {
        if (value instanceof Boolean b) {
            return b ? JsonValue.TRUE : JsonValue.FALSE;
        }
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            return json.createValue(((Number) value).longValue());
        }
        if (value instanceof BigDecimal d) {
            return json.createValue(d);
        }
        if (value instanceof BigInteger i) {
            return json.createValue(i);
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            return Double.isFinite(d) ? json.createValue(d) : json.createValue(Double.toString(d));
        }
        String text = asString(value);
        if (text != null) {
            return json.createValue(text);
        }
        if (value instanceof Collection<?> items) {
            JsonArrayBuilder array = json.createArrayBuilder();
            int i = 0;
            for (Object item : items) {
                array.add(item == null ? JsonValue.NULL : scalar(item, where + "[" + i++ + "]"));
            }
            return array.build();
        }
        if (value instanceof Map<?, ?> map) {
            JsonObjectBuilder object = json.createObjectBuilder();
            new TreeMap<>(stringKeys(map, where))
                    .forEach((k, v) -> object.add(k, v == null ? JsonValue.NULL : scalar(v, where + "." + k)));
            return object.build();
        }
        return viaJsonb(value, where);
    }

    /** The text of a value stored as a JSON string (a string, an enum, a time, binary...), or null for any other. */
    private static String asString(Object value) {
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Instant instant) {
            return Timestamps.appendIso(new StringBuilder(30), instant).toString(); // its toString, faster
        }
        if (value instanceof Enum<?> e) {
            return e.name();
        }
        if (value instanceof Character || value instanceof UUID || value instanceof TemporalAccessor) {
            return value.toString();
        }
        if (value instanceof java.sql.Date d) {
            return d.toLocalDate().toString();
        }
        if (value instanceof java.sql.Time t) {
            return t.toLocalTime().toString();
        }
        if (value instanceof Date d) {
            return d.toInstant().toString();
        }
        if (value instanceof Calendar c) {
            return c.toInstant().toString();
        }
        if (value instanceof byte[] bytes) {
            return Base64.getEncoder().encodeToString(bytes);
        }
        if (value instanceof char[] chars) {
            return new String(chars);
        }
        if (value instanceof java.net.URI
                || value instanceof java.net.URL
                || value instanceof java.util.Locale
                || value instanceof java.util.Currency
                || value instanceof java.time.ZoneId) {
            return value.toString();
        }
        return null;
    }

    private static Map<String, Object> stringKeys(Map<?, ?> map, String where) {
        Map<String, Object> result = new TreeMap<>();
        map.forEach((k, v) -> {
            if (k == null) {
                throw new AuditException(where + " holds a map with a null key, which JSON cannot represent");
            }
            result.put(k.toString(), v);
        });
        return result;
    }

    private JsonValue viaJsonb(Object value, String where) {
        String text;
        try {
            text = jsonb().toJson(value);
        } catch (RuntimeException | LinkageError e) {
            throw new AuditException(
                    where + " has a value of type " + value.getClass().getName()
                            + " that cannot be written as JSON (" + e.getClass().getSimpleName()
                            + "). Mark the attribute @AuditIgnore or @AuditMasked, or give the type a JSON-B"
                            + " mapping",
                    e);
        }
        try (var reader = json.createReader(new StringReader(text))) {
            return reader.readValue();
        }
    }

    private Jsonb jsonb() {
        Jsonb result = jsonb;
        if (result == null) {
            synchronized (this) {
                if (jsonb == null) {
                    jsonb = JsonbBuilder.create();
                }
                result = jsonb;
            }
        }
        return result;
    }
}
