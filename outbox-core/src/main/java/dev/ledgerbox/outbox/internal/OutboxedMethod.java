package dev.ledgerbox.outbox.internal;

import dev.ledgerbox.outbox.AggregateId;
import dev.ledgerbox.outbox.ConfigurationException;
import dev.ledgerbox.outbox.EventPayload;
import dev.ledgerbox.outbox.InvalidEventException;
import dev.ledgerbox.outbox.OutboxEvent;
import dev.ledgerbox.outbox.Outboxed;
import java.lang.annotation.Annotation;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * What an {@link Outboxed} method writes, worked out once from its annotations: where the payload
 * and the aggregate id come from. Building one checks the method and fails with a message naming
 * it. Immutable and thread-safe.
 */
public final class OutboxedMethod {

    private static final int RETURN_VALUE = -1;

    private final String description;
    private final String type;
    private final String aggregate;
    private final int schemaVersion;
    private final boolean ordered;
    private final int payloadParameter;
    private final int aggregateIdParameter;
    private final PropertyPath aggregateIdPath;
    private final Map<Class<?>, PropertyPath> defaultIdPaths = new ConcurrentHashMap<>();

    private OutboxedMethod(Method method, Outboxed outboxed) {
        this.description = describe(method);
        this.type = outboxed.type();
        this.aggregate = outboxed.aggregate();
        this.schemaVersion = outboxed.schemaVersion();
        this.ordered = outboxed.ordered();
        if (type.isBlank()) {
            throw misuse("@Outboxed needs a type, e.g. @Outboxed(type = \"order.created\", aggregate = \"order\")");
        }
        if (aggregate.isBlank()) {
            throw misuse("@Outboxed(type = \"" + type + "\") needs an aggregate, e.g. aggregate = \"order\"");
        }
        this.payloadParameter = annotatedParameter(method, EventPayload.class);
        if (payloadParameter == RETURN_VALUE && method.getReturnType() == void.class) {
            throw misuse("returns void, so it has no payload: return the payload or annotate a parameter with"
                    + " @EventPayload");
        }
        this.aggregateIdParameter = annotatedParameter(method, AggregateId.class);
        if (!outboxed.aggregateId().isBlank()) {
            if (aggregateIdParameter != RETURN_VALUE) {
                throw misuse("names the aggregate id twice: @Outboxed(aggregateId = \"" + outboxed.aggregateId()
                        + "\") and an @AggregateId parameter; keep one");
            }
            try {
                this.aggregateIdPath = new PropertyPath(outboxed.aggregateId());
            } catch (IllegalArgumentException e) {
                throw misuse(e.getMessage());
            }
        } else {
            this.aggregateIdPath = null;
        }
        if (payloadParameter != RETURN_VALUE && method.getParameterTypes()[payloadParameter].isPrimitive()) {
            throw misuse("has a primitive @EventPayload parameter; the payload must be an object");
        }
    }

    /**
     * @throws ConfigurationException naming the method when its annotations are not usable
     */
    public static OutboxedMethod of(Method method) {
        Outboxed outboxed = method.getAnnotation(Outboxed.class);
        if (outboxed == null) {
            throw new ConfigurationException(describe(method)
                    + ": @Outboxed must be placed on the method itself (one event type per method), not on its class");
        }
        return new OutboxedMethod(method, outboxed);
    }

    /** Whether the payload is a parameter, and so exists even when the method throws. */
    public boolean payloadFromParameter() {
        return payloadParameter != RETURN_VALUE;
    }

    /** {@code SimpleClassName.method(ParamType, ...)}, for messages. */
    public String description() {
        return description;
    }

    public String type() {
        return type;
    }

    /**
     * The event for one call.
     *
     * @param result the return value, or null when the method threw
     * @throws InvalidEventException when the aggregate id cannot be read
     */
    public OutboxEvent event(Object[] arguments, Object result) {
        Object payload = payloadParameter == RETURN_VALUE ? result : arguments[payloadParameter];
        OutboxEvent.Builder event = OutboxEvent.builder(aggregate, aggregateId(arguments, payload), type)
                .payload(payload)
                .schemaVersion(schemaVersion);
        return (ordered ? event : event.unordered()).build();
    }

    private Object aggregateId(Object[] arguments, Object payload) {
        if (aggregateIdParameter != RETURN_VALUE) {
            return arguments[aggregateIdParameter];
        }
        if (payload == null) {
            return null; // reported as a null payload
        }
        try {
            PropertyPath path = aggregateIdPath != null
                    ? aggregateIdPath
                    : defaultIdPaths.computeIfAbsent(payload.getClass(), OutboxedMethod::defaultIdPath);
            return path.read(payload);
        } catch (IllegalArgumentException e) {
            throw new InvalidEventException(description + ": outbox event '" + type
                    + "' cannot get its aggregate id from the payload: " + e.getMessage()
                    + ". Mark the id with @AggregateId or set @Outboxed(aggregateId = \"...\")");
        }
    }

    /** The payload class's member annotated {@link AggregateId}, else its {@code id} property. */
    private static PropertyPath defaultIdPath(Class<?> payloadType) {
        for (Class<?> c = payloadType; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (f.isAnnotationPresent(AggregateId.class)) {
                    return new PropertyPath(f.getName());
                }
            }
            for (Method m : c.getDeclaredMethods()) {
                if (m.isAnnotationPresent(AggregateId.class) && m.getParameterCount() == 0) {
                    return new PropertyPath(propertyName(m.getName()));
                }
            }
        }
        return new PropertyPath("id");
    }

    private static String propertyName(String methodName) {
        for (String prefix : new String[] {"get", "is"}) {
            if (methodName.length() > prefix.length()
                    && methodName.startsWith(prefix)
                    && Character.isUpperCase(methodName.charAt(prefix.length()))) {
                return Character.toLowerCase(methodName.charAt(prefix.length()))
                        + methodName.substring(prefix.length() + 1);
            }
        }
        return methodName;
    }

    private int annotatedParameter(Method method, Class<? extends Annotation> annotation) {
        int found = RETURN_VALUE;
        Annotation[][] all = method.getParameterAnnotations();
        for (int i = 0; i < all.length; i++) {
            for (Annotation a : all[i]) {
                if (a.annotationType() == annotation) {
                    if (found != RETURN_VALUE) {
                        throw misuse("has more than one @" + annotation.getSimpleName() + " parameter");
                    }
                    found = i;
                }
            }
        }
        return found;
    }

    private ConfigurationException misuse(String problem) {
        return new ConfigurationException(description + ": " + problem);
    }

    private static String describe(Method method) {
        return method.getDeclaringClass().getSimpleName() + "." + method.getName()
                + Arrays.stream(method.getParameterTypes())
                        .map(Class::getSimpleName)
                        .collect(Collectors.joining(", ", "(", ")"));
    }
}
