package dev.ledgerbox.audit.internal;

import dev.ledgerbox.audit.AuditException;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.persister.entity.EntityPersister;

/**
 * Renders entity ids for {@code audit_log.entity_id}: simple ids as their text ({@code 42},
 * a UUID, a string), composite ids as compact JSON ({@code {"line":2,"orderId":42}}).
 */
final class EntityIds {

    static final int MAX_LENGTH = 255;

    private EntityIds() {}

    private static boolean overridesToString(Class<?> type) {
        try {
            return type.getMethod("toString").getDeclaringClass() != Object.class;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    static String render(
            Object id, EntityPersister persister, SharedSessionContractImplementor session, ValueRenderer values) {
        if (id instanceof Long || id instanceof Integer || id instanceof java.util.UUID) {
            return id.toString(); // the usual ids, as rendered below
        }
        String where = persister.getEntityName();
        if (id == null) {
            throw new AuditException("the id of " + where + " is null after the flush; it cannot be audited");
        }
        String text;
        if (persister.getIdentifierType().isComponentType()) {
            text = values.render(id, persister.getIdentifierType(), session, where + " id")
                    .toString();
        } else if (id instanceof Number
                || id instanceof CharSequence
                || id instanceof java.util.UUID
                || id instanceof Character
                || id instanceof Enum<?>
                || id instanceof java.time.temporal.TemporalAccessor) {
            JsonValue value = values.render(id, persister.getIdentifierType(), session, where + " id");
            text = value instanceof JsonString s ? s.getString() : value.toString();
        } else if (overridesToString(id.getClass())) {
            text = id.toString();
        } else {
            throw new AuditException(
                    "the id of " + where + " (type " + id.getClass().getName()
                            + ") cannot be rendered as text for audit_log.entity_id: it is not a number, string or UUID"
                            + " and has no toString(). Give the id class a toString() or use an @EmbeddedId");
        }
        if (text.length() > MAX_LENGTH) {
            throw new AuditException("the id of " + where + " renders to " + text.length() + " characters, over the "
                    + MAX_LENGTH + " that audit_log.entity_id holds");
        }
        return text;
    }
}
