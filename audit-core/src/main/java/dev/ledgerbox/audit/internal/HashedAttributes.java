package dev.ledgerbox.audit.internal;

import dev.ledgerbox.audit.AuditHashed;
import jakarta.persistence.Embeddable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;

/** Finds {@link AuditHashed} on an entity class, its superclasses and its embeddables. */
final class HashedAttributes {

    private HashedAttributes() {}

    static boolean present(Class<?> type) {
        return present(type, 0);
    }

    private static boolean present(Class<?> type, int depth) {
        if (depth > 8) {
            return false;
        }
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (f.isAnnotationPresent(AuditHashed.class)
                        || (f.getType().isAnnotationPresent(Embeddable.class) && present(f.getType(), depth + 1))) {
                    return true;
                }
            }
            for (Method m : c.getDeclaredMethods()) {
                if (m.isAnnotationPresent(AuditHashed.class)) {
                    return true;
                }
            }
        }
        return false;
    }
}
