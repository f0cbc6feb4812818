package dev.ledgerbox.outbox.internal;

import java.lang.reflect.AccessibleObject;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads a dotted property path such as {@code customer.id} on an object: each step is a public
 * getter ({@code getX()}, {@code isX()}), a record-style accessor ({@code x()}), or a field.
 * Look-ups are cached per class. Thread-safe.
 */
final class PropertyPath {

    private final String path;
    private final String[] steps;
    private final Map<Class<?>, AccessibleObject>[] cache;

    @SuppressWarnings("unchecked")
    PropertyPath(String path) {
        this.path = path;
        this.steps = path.split("\\.", -1);
        for (String step : steps) {
            if (step.isBlank()) {
                throw new IllegalArgumentException("property path '" + path + "' has an empty step");
            }
        }
        this.cache = new Map[steps.length];
        for (int i = 0; i < steps.length; i++) {
            cache[i] = new ConcurrentHashMap<>();
        }
    }

    /**
     * @return the value at the end of the path, or null if a step on the way is null
     * @throws IllegalArgumentException when a step does not exist or cannot be read
     */
    Object read(Object root) {
        Object current = root;
        for (int i = 0; i < steps.length && current != null; i++) {
            String step = steps[i];
            AccessibleObject accessor = cache[i].computeIfAbsent(current.getClass(), type -> find(type, step));
            current = get(accessor, current);
        }
        return current;
    }

    private AccessibleObject find(Class<?> type, String step) {
        String capitalised = Character.toUpperCase(step.charAt(0)) + step.substring(1);
        for (String name : new String[] {"get" + capitalised, "is" + capitalised, step}) {
            try {
                Method m = type.getMethod(name);
                if (m.getReturnType() != void.class && !Modifier.isStatic(m.getModifiers())) {
                    m.trySetAccessible();
                    return m;
                }
            } catch (NoSuchMethodException e) {
                // try the next form
            }
        }
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(step);
                if (!Modifier.isStatic(f.getModifiers())) {
                    if (!f.trySetAccessible()) {
                        throw new IllegalArgumentException("property '" + step + "' of " + type.getName()
                                + " is a field that cannot be made accessible; add a public getter");
                    }
                    return f;
                }
            } catch (NoSuchFieldException e) {
                // look in the superclass
            }
        }
        throw new IllegalArgumentException(type.getName() + " has no property '" + step
                + "' (no getter, accessor or field) for path '" + path + "'");
    }

    private static Object get(AccessibleObject accessor, Object target) {
        try {
            if (accessor instanceof Method m) {
                return m.invoke(target);
            }
            return ((Field) accessor).get(target);
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException(
                    "reading " + ((Member) accessor).getName() + " failed: " + e.getCause(), e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalArgumentException("cannot read " + ((Member) accessor).getName() + ": " + e, e);
        }
    }

    @Override
    public String toString() {
        return path;
    }
}
