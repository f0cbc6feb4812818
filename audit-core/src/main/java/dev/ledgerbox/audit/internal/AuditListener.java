package dev.ledgerbox.audit.internal;

import dev.ledgerbox.audit.AuditContext;
import dev.ledgerbox.audit.AuditException;
import dev.ledgerbox.audit.internal.EntityModel.Attribute;
import dev.ledgerbox.audit.internal.EntityModel.Treatment;
import dev.ledgerbox.audit.internal.canonical.JsonbText;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.hibernate.collection.spi.PersistentCollection;
import org.hibernate.engine.spi.CollectionEntry;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.event.spi.AbstractCollectionEvent;
import org.hibernate.event.spi.EventSource;
import org.hibernate.event.spi.PostCollectionRecreateEvent;
import org.hibernate.event.spi.PostCollectionRecreateEventListener;
import org.hibernate.event.spi.PostCollectionRemoveEvent;
import org.hibernate.event.spi.PostCollectionRemoveEventListener;
import org.hibernate.event.spi.PostCollectionUpdateEvent;
import org.hibernate.event.spi.PostCollectionUpdateEventListener;
import org.hibernate.event.spi.PostDeleteEvent;
import org.hibernate.event.spi.PostDeleteEventListener;
import org.hibernate.event.spi.PostInsertEvent;
import org.hibernate.event.spi.PostInsertEventListener;
import org.hibernate.event.spi.PostUpdateEvent;
import org.hibernate.event.spi.PostUpdateEventListener;
import org.hibernate.persister.collection.CollectionPersister;
import org.hibernate.persister.entity.EntityPersister;
import org.hibernate.type.Type;

/**
 * Turns Hibernate's flush events for {@code @Audited} entities into audit rows. Works only from
 * the state Hibernate already holds (old and new state, dirty attributes, collection snapshots):
 * it never reads from the database. Rows are kept per session and inserted in one statement just
 * before the transaction completes, on the session's own connection. Thread-safe.
 */
final class AuditListener
        implements PostInsertEventListener,
                PostUpdateEventListener,
                PostDeleteEventListener,
                PostCollectionRecreateEventListener,
                PostCollectionUpdateEventListener,
                PostCollectionRemoveEventListener {

    private static final long serialVersionUID = 1L;

    /** The rows of one session's current transaction. */
    private static final class Pending {
        final CapturedContext context;
        final List<AuditRow> rows = new ArrayList<>();
        /** The latest row of each entity instance, where its collection changes go. */
        final Map<Object, AuditRow> latest = new IdentityHashMap<>();

        Pending(CapturedContext context) {
            this.context = context;
        }
    }

    private final transient ValueRenderer values;
    private final transient AuditWriter writer;
    private final transient ContextSource contextSource;
    private final transient Map<String, Optional<EntityModel>> models = new ConcurrentHashMap<>();
    private final transient Map<String, String> collectionPaths = new ConcurrentHashMap<>();
    private final transient Map<SharedSessionContractImplementor, Pending> pending = new ConcurrentHashMap<>();

    AuditListener(AuditSettings settings, ContextSource contextSource) {
        this.values = new ValueRenderer(settings.hashKey());
        this.writer = new AuditWriter(settings.maxDiffBytes());
        this.contextSource = contextSource;
    }

    @Override
    public boolean requiresPostCommitHandling(EntityPersister persister) {
        return false;
    }

    @Override
    public void onPostInsert(PostInsertEvent event) {
        entityChange(
                event.getSession(),
                event.getEntity(),
                event.getPersister(),
                event.getId(),
                "INSERT",
                null,
                event.getState(),
                null);
    }

    /**
     * Without a snapshot of the old state (an update of a detached instance), only the new values
     * are known.
     */
    @Override
    public void onPostUpdate(PostUpdateEvent event) {
        entityChange(
                event.getSession(),
                event.getEntity(),
                event.getPersister(),
                event.getId(),
                "UPDATE",
                event.getOldState(),
                event.getState(),
                event.getDirtyProperties());
    }

    @Override
    public void onPostDelete(PostDeleteEvent event) {
        entityChange(
                event.getSession(),
                event.getEntity(),
                event.getPersister(),
                event.getId(),
                "DELETE",
                event.getDeletedState(),
                null,
                null);
    }

    @Override
    public void onPostRecreateCollection(PostCollectionRecreateEvent event) {
        collectionChange(event, null);
    }

    @Override
    public void onPostUpdateCollection(PostCollectionUpdateEvent event) {
        Object snapshot = event.getCollection().getStoredSnapshot();
        collectionChange(event, snapshot == null ? List.of() : snapshot);
    }

    @Override
    public void onPostRemoveCollection(PostCollectionRemoveEvent event) {
        collectionChange(event, null);
    }

    // ---- entity state

    private EntityModel model(EntityPersister persister) {
        return models.computeIfAbsent(persister.getEntityName(), name -> Optional.ofNullable(EntityModel.of(persister)))
                .orElse(null);
    }

    private void entityChange(
            EventSource session,
            Object entity,
            EntityPersister persister,
            Object id,
            String operation,
            Object[] oldState,
            Object[] newState,
            int[] dirty) {
        EntityModel model = model(persister);
        if (model == null) {
            return;
        }
        AuditRow row = newRow(session, entity, model, EntityIds.render(id, persister, session, values), operation);
        diff(row, model, oldState, newState, dirty, session);
        writer.render(row);
    }

    /** Starts a row for the entity, which later changes to its collections join. */
    private AuditRow newRow(EventSource session, Object entity, EntityModel model, String entityId, String operation) {
        Pending p = pending(session);
        AuditContext thread = AuditContext.current();
        AuditRow row =
                new AuditRow(Instant.now(), model.typeName, entityId, operation, thread.action(), thread.reason());
        p.rows.add(row);
        p.latest.put(entity, row);
        return row;
    }

    /**
     * Adds the changed attributes to the row: {@code {"old": ..., "new": ...}} for those that
     * differ; only "new" on insert, only "old" on delete (nulls left out of both).
     */
    private void diff(
            AuditRow row,
            EntityModel model,
            Object[] oldState,
            Object[] newState,
            int[] dirty,
            SharedSessionContractImplementor session) {
        Attribute[] attributes = model.attributes;
        if (dirty != null) {
            for (int i : dirty) {
                change(
                        row,
                        attributes[i],
                        value(oldState, i),
                        value(newState, i),
                        oldState != null,
                        newState != null,
                        session);
            }
        } else {
            for (int i = 0; i < attributes.length; i++) {
                change(
                        row,
                        attributes[i],
                        value(oldState, i),
                        value(newState, i),
                        oldState != null,
                        newState != null,
                        session);
            }
        }
    }

    private static Object value(Object[] state, int i) {
        return state == null ? null : state[i];
    }

    private void change(
            AuditRow row,
            Attribute attribute,
            Object oldValue,
            Object newValue,
            boolean hasOld,
            boolean hasNew,
            SharedSessionContractImplementor session) {
        if (attribute.treatment() == Treatment.IGNORED || attribute.type().isCollectionType()) {
            return; // collections are reported by the collection events
        }
        if (attribute.isComponent()) {
            Attribute[] parts = attribute.parts();
            var component = (org.hibernate.type.ComponentType) attribute.type();
            for (int j = 0; j < parts.length; j++) {
                change(
                        row,
                        parts[j],
                        oldValue == null ? null : component.getPropertyValue(oldValue, j),
                        newValue == null ? null : component.getPropertyValue(newValue, j),
                        hasOld,
                        hasNew,
                        session);
            }
            return;
        }
        if (hasOld && hasNew && attribute.type().isEqual(oldValue, newValue)) {
            return;
        }
        boolean withNew = hasNew && !(newValue == null && !hasOld);
        boolean withOld = hasOld && !(oldValue == null && !hasNew);
        if (!withNew && !withOld) {
            return;
        }
        // {"new": ..., "old": ...}: the keys in jsonb's order
        StringBuilder text = new StringBuilder(64).append('{');
        if (withNew) {
            present(text.append("\"new\": "), attribute, newValue, session);
        }
        if (withOld) {
            present(text.append(withNew ? ", \"old\": " : "\"old\": "), attribute, oldValue, session);
        }
        row.diff.put(attribute.name(), text.append('}').toString());
    }

    /** Appends the value as stored: rendered, masked or hashed per the attribute's treatment. */
    private void present(
            StringBuilder out, Attribute attribute, Object value, SharedSessionContractImplementor session) {
        switch (attribute.treatment()) {
            case MASKED -> JsonbText.append(out, values.masked(value));
            case HASHED -> JsonbText.append(
                    out,
                    values.hashed(
                            values.render(value, attribute.type(), session, attribute.where()), attribute.where()));
            default -> values.appendJsonb(out, value, attribute.type(), session, attribute.where());
        }
    }

    // ---- collections

    private void collectionChange(AbstractCollectionEvent event, Object snapshot) {
        Object owner = event.getAffectedOwnerOrNull();
        if (owner == null) {
            return;
        }
        EventSource session = event.getSession();
        EntityPersister ownerPersister = session.getEntityPersister(event.getAffectedOwnerEntityName(), owner);
        EntityModel model = model(ownerPersister);
        if (model == null) {
            return;
        }
        PersistentCollection<?> collection = event.getCollection();
        if (!collection.wasInitialized()) {
            return; // never load a collection just to audit it; an uninitialised one did not change
        }
        CollectionPersister persister = persister(collection, session);
        if (persister == null) {
            return;
        }
        String role = persister.getRole();
        String path = collectionPaths.computeIfAbsent(role, r -> propertyPath(r, session));
        Treatment treatment = treatment(model, path);
        if (treatment == Treatment.IGNORED) {
            return;
        }
        String where = model.typeName + "." + path;
        List<JsonValue> now = event instanceof PostCollectionRemoveEvent
                ? List.of()
                : elements(collection, persister, session, treatment, where);
        List<JsonValue> before = snapshot == null
                ? (event instanceof PostCollectionRemoveEvent
                        ? elements(collection, persister, session, treatment, where)
                        : List.of())
                : snapshotElements(snapshot, collection, persister, session, treatment, where);
        List<JsonValue> added = minus(now, before);
        List<JsonValue> removed = minus(before, now);
        if (added.isEmpty() && removed.isEmpty()) {
            return;
        }
        AuditRow row = pending(session).latest.get(owner);
        if (row == null) {
            String ownerId = EntityIds.render(event.getAffectedOwnerIdOrNull(), ownerPersister, session, values);
            row = newRow(session, owner, model, ownerId, "UPDATE");
        }
        JsonProvider json = values.json();
        JsonArrayBuilder addedJson = json.createArrayBuilder();
        added.forEach(addedJson::add);
        JsonArrayBuilder removedJson = json.createArrayBuilder();
        removed.forEach(removedJson::add);
        StringBuilder text = new StringBuilder();
        JsonbText.append(
                text,
                json.createObjectBuilder()
                        .add("added", addedJson)
                        .add("removed", removedJson)
                        .build());
        row.diff.put(path, text.toString());
        writer.render(row);
    }

    /** The collection's persister, from the persistence context: the wrapper's role is not set yet on recreate. */
    private static CollectionPersister persister(PersistentCollection<?> collection, EventSource session) {
        CollectionEntry entry = session.getPersistenceContextInternal().getCollectionEntry(collection);
        if (entry != null) {
            return entry.getCurrentPersister() != null ? entry.getCurrentPersister() : entry.getLoadedPersister();
        }
        String role = collection.getRole();
        return role == null ? null : session.getFactory().getMappingMetamodel().getCollectionDescriptor(role);
    }

    private static Treatment treatment(EntityModel model, String path) {
        String top = path.contains(".") ? path.substring(0, path.indexOf('.')) : path;
        for (Attribute a : model.attributes) {
            if (a.name().equals(top)) {
                return a.treatment();
            }
        }
        return Treatment.PLAIN;
    }

    /** The attribute path of a collection role: the role less the longest entity name prefix. */
    private static String propertyPath(String role, SharedSessionContractImplementor session) {
        var metamodel = session.getFactory().getMappingMetamodel();
        for (int dot = role.lastIndexOf('.'); dot > 0; dot = role.lastIndexOf('.', dot - 1)) {
            if (metamodel.findEntityDescriptor(role.substring(0, dot)) != null) {
                return role.substring(dot + 1);
            }
        }
        return role;
    }

    private List<JsonValue> elements(
            PersistentCollection<?> collection,
            CollectionPersister persister,
            SharedSessionContractImplementor session,
            Treatment treatment,
            String where) {
        List<JsonValue> result = new ArrayList<>();
        Iterator<?> entries = collection.entries(persister);
        while (entries.hasNext()) {
            result.add(element(entries.next(), persister, session, treatment, where));
        }
        return result;
    }

    private List<JsonValue> snapshotElements(
            Object snapshot,
            PersistentCollection<?> collection,
            CollectionPersister persister,
            SharedSessionContractImplementor session,
            Treatment treatment,
            String where) {
        Collection<?> items;
        if (snapshot instanceof Map<?, ?> map) {
            items = collection instanceof Map<?, ?> ? map.entrySet() : map.values();
        } else if (snapshot instanceof Collection<?> list) {
            items = list;
        } else if (snapshot.getClass().isArray()) {
            List<Object> list = new ArrayList<>();
            for (int i = 0; i < java.lang.reflect.Array.getLength(snapshot); i++) {
                list.add(java.lang.reflect.Array.get(snapshot, i));
            }
            items = list;
        } else {
            throw new AuditException(where + ": unexpected collection snapshot "
                    + snapshot.getClass().getName());
        }
        List<JsonValue> result = new ArrayList<>(items.size());
        for (Object item : items) {
            result.add(element(item, persister, session, treatment, where));
        }
        return result;
    }

    private JsonValue element(
            Object item,
            CollectionPersister persister,
            SharedSessionContractImplementor session,
            Treatment treatment,
            String where) {
        JsonValue value;
        if (item instanceof Map.Entry<?, ?> entry) {
            value = values.json()
                    .createObjectBuilder()
                    .add("key", render(entry.getKey(), persister.getIndexType(), session, treatment, where))
                    .add("value", render(entry.getValue(), persister.getElementType(), session, treatment, where))
                    .build();
        } else {
            value = render(item, persister.getElementType(), session, treatment, where);
        }
        return value;
    }

    private JsonValue render(
            Object value, Type type, SharedSessionContractImplementor session, Treatment treatment, String where) {
        return switch (treatment) {
            case MASKED -> values.masked(value);
            case HASHED -> values.hashed(values.render(value, type, session, where), where);
            default -> values.render(value, type, session, where);
        };
    }

    /** The multiset difference {@code a - b}. */
    private static List<JsonValue> minus(List<JsonValue> a, List<JsonValue> b) {
        if (b.isEmpty()) {
            return a;
        }
        List<JsonValue> rest = new ArrayList<>(b);
        List<JsonValue> result = new ArrayList<>();
        for (JsonValue v : a) {
            if (!rest.remove(v)) {
                result.add(v);
            }
        }
        return result;
    }

    // ---- per-transaction buffer

    private Pending pending(EventSource session) {
        Pending p = pending.get(session);
        if (p == null) {
            p = new Pending(contextSource.capture());
            pending.put(session, p);
            session.getActionQueue().registerProcess(this::beforeCompletion);
            session.getActionQueue().registerProcess((success, s) -> pending.remove(s));
        }
        return p;
    }

    private void beforeCompletion(SharedSessionContractImplementor session) {
        Pending p = pending.remove(session);
        if (p == null) {
            return;
        }
        List<AuditRow> rows = new ArrayList<>(p.rows.size());
        for (AuditRow row : p.rows) {
            if (!row.diff.isEmpty() || !"UPDATE".equals(row.operation)) {
                rows.add(row); // an update of ignored attributes only leaves no row
            }
        }
        if (!rows.isEmpty()) {
            var outboxEventId = contextSource.outboxEventId();
            session.doWork(connection -> writer.insert(connection, rows, p.context, outboxEventId));
        }
    }
}
