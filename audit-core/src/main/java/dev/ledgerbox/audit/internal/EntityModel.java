package dev.ledgerbox.audit.internal;

import dev.ledgerbox.audit.AuditHashed;
import dev.ledgerbox.audit.AuditIgnore;
import dev.ledgerbox.audit.AuditMasked;
import dev.ledgerbox.audit.Audited;
import jakarta.persistence.Entity;
import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Locale;
import org.hibernate.persister.entity.EntityPersister;
import org.hibernate.type.ComponentType;
import org.hibernate.type.Type;

/**
 * How one {@link Audited} entity class is audited: its {@code entity_type} name and, per
 * persistent attribute (in the persister's order), how its values are treated. Built once per
 * entity class; immutable.
 */
final class EntityModel {

    enum Treatment {
        PLAIN,
        MASKED,
        HASHED,
        IGNORED
    }

    /**
     * One attribute; {@code parts} are the attributes of an embeddable, whose names are dotted
     * paths ({@code address.city}); {@code where} names it in errors ({@code Order.address.city}).
     */
    record Attribute(String name, String where, Type type, Treatment treatment, Attribute[] parts) {
        boolean isComponent() {
            return parts != null;
        }
    }

    final String typeName;
    final Attribute[] attributes;

    private EntityModel(String typeName, Attribute[] attributes) {
        this.typeName = typeName;
        this.attributes = attributes;
    }

    /** The model of the persister's entity, or null when the entity is not {@link Audited}. */
    static EntityModel of(EntityPersister persister) {
        Class<?> type = persister.getMappedClass();
        Audited audited = findAudited(type);
        if (audited == null) {
            return null;
        }
        String[] names = persister.getPropertyNames();
        Type[] types = persister.getPropertyTypes();
        int version = persister.isVersioned() ? persister.getVersionProperty() : -1;
        String typeName = typeName(type, audited);
        Attribute[] attributes = new Attribute[names.length];
        for (int i = 0; i < names.length; i++) {
            Treatment treatment = i == version ? Treatment.IGNORED : treatment(type, names[i], Treatment.PLAIN);
            attributes[i] = attribute(typeName, type, names[i], names[i], types[i], treatment);
        }
        return new EntityModel(typeName, attributes);
    }

    static Audited findAudited(Class<?> type) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            Audited audited = c.getAnnotation(Audited.class);
            if (audited != null) {
                return audited;
            }
        }
        return null;
    }

    private static String typeName(Class<?> type, Audited audited) {
        if (!audited.value().isBlank()) {
            return audited.value();
        }
        Entity entity = type.getAnnotation(Entity.class);
        return entity != null && !entity.name().isBlank() ? entity.name() : type.getSimpleName();
    }

    private static Attribute attribute(
            String typeName, Class<?> owner, String name, String path, Type type, Treatment treatment) {
        if (type instanceof ComponentType component && treatment != Treatment.IGNORED) {
            Class<?> embeddable = component.getReturnedClass();
            String[] names = component.getPropertyNames();
            Type[] types = component.getSubtypes();
            Attribute[] parts = new Attribute[names.length];
            for (int i = 0; i < names.length; i++) {
                // a masked or hashed embeddable passes its treatment on to every part
                Treatment part = treatment == Treatment.PLAIN ? treatment(embeddable, names[i], treatment) : treatment;
                parts[i] = attribute(typeName, embeddable, names[i], path + "." + names[i], types[i], part);
            }
            return new Attribute(path, typeName + "." + path, type, treatment, parts);
        }
        return new Attribute(path, typeName + "." + path, type, treatment, null);
    }

    private static Treatment treatment(Class<?> owner, String property, Treatment inherited) {
        AnnotatedElement[] places = {field(owner, property), getter(owner, property)};
        if (annotated(places, AuditIgnore.class)) {
            return Treatment.IGNORED;
        }
        if (annotated(places, AuditMasked.class)) {
            return Treatment.MASKED;
        }
        if (annotated(places, AuditHashed.class)) {
            return Treatment.HASHED;
        }
        return inherited;
    }

    /** Whether the class has an attribute marked {@link AuditHashed}, at any depth of embedding. */
    static boolean usesHashing(Attribute[] attributes) {
        for (Attribute a : attributes) {
            if (a.treatment() == Treatment.HASHED || (a.isComponent() && usesHashing(a.parts()))) {
                return true;
            }
        }
        return false;
    }

    private static boolean annotated(AnnotatedElement[] places, Class<? extends Annotation> annotation) {
        for (AnnotatedElement place : places) {
            if (place != null && place.isAnnotationPresent(annotation)) {
                return true;
            }
        }
        return false;
    }

    private static Field field(Class<?> type, String name) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            try {
                return c.getDeclaredField(name);
            } catch (NoSuchFieldException e) {
                // look further up
            }
        }
        return null;
    }

    private static Method getter(Class<?> type, String name) {
        String suffix = name.substring(0, 1).toUpperCase(Locale.ROOT) + name.substring(1);
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (String prefix : new String[] {"get", "is"}) {
                try {
                    return c.getDeclaredMethod(prefix + suffix);
                } catch (NoSuchMethodException e) {
                    // look further
                }
            }
        }
        return null;
    }
}
