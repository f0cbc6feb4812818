package dev.ledgerbox.audit.internal;

import dev.ledgerbox.audit.AuditException;
import java.util.Map;
import org.hibernate.boot.Metadata;
import org.hibernate.boot.spi.BootstrapContext;
import org.hibernate.engine.config.spi.ConfigurationService;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.transaction.jta.platform.internal.NoJtaPlatform;
import org.hibernate.engine.transaction.jta.platform.spi.JtaPlatform;
import org.hibernate.event.service.spi.EventListenerRegistry;
import org.hibernate.event.spi.EventType;
import org.hibernate.integrator.spi.Integrator;
import org.hibernate.mapping.PersistentClass;
import org.hibernate.service.spi.SessionFactoryServiceRegistry;

/**
 * Registers the audit listener with every Hibernate session factory that maps at least one
 * {@code @Audited} entity. Found by Hibernate through {@code META-INF/services}; nothing to
 * configure.
 */
public final class AuditIntegrator implements Integrator {

    @Override
    public void integrate(Metadata metadata, BootstrapContext bootstrapContext, SessionFactoryImplementor factory) {
        boolean audited = false;
        boolean hashed = false;
        for (PersistentClass entity : metadata.getEntityBindings()) {
            Class<?> type = entity.getMappedClass();
            if (type != null && EntityModel.findAudited(type) != null) {
                audited = true;
                hashed |= HashedAttributes.present(type);
            }
        }
        if (!audited) {
            return;
        }
        var services = factory.getServiceRegistry();
        Map<String, Object> properties =
                services.requireService(ConfigurationService.class).getSettings();
        AuditSettings settings = AuditSettings.from(key -> setting(properties, key));
        if (hashed && settings.hashKey() == null) {
            throw new AuditException("an @Audited entity has @AuditHashed attributes, but " + AuditSettings.HASH_KEY
                    + " is not set. Set it (Hibernate property, MicroProfile Config or environment variable"
                    + " AUDIT_HASH_KEY) to a secret of at least 16 characters");
        }
        JtaPlatform jta = services.requireService(JtaPlatform.class);
        ContextSource context = jta instanceof NoJtaPlatform ? new ContextSource() : new ContainerContextSource();
        AuditListener listener = new AuditListener(settings, context);
        EventListenerRegistry listeners = services.requireService(EventListenerRegistry.class);
        listeners.appendListeners(EventType.POST_INSERT, listener);
        listeners.appendListeners(EventType.POST_UPDATE, listener);
        listeners.appendListeners(EventType.POST_DELETE, listener);
        listeners.appendListeners(EventType.POST_COLLECTION_RECREATE, listener);
        listeners.appendListeners(EventType.POST_COLLECTION_UPDATE, listener);
        listeners.appendListeners(EventType.POST_COLLECTION_REMOVE, listener);
    }

    @Override
    public void disintegrate(SessionFactoryImplementor factory, SessionFactoryServiceRegistry registry) {}

    private static String setting(Map<String, Object> properties, String key) {
        Object value = properties.get(key);
        if (value != null) {
            return value.toString();
        }
        return MicroProfileSettings.get(key);
    }
}
