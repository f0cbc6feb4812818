package dev.ledgerbox.audit;

/**
 * Who made a change, as stored in {@code audit_log.actor_id}, {@code actor_name}, {@code
 * actor_email} and {@code tenant_id}. Only {@code id} is required.
 */
public record AuditActor(String id, String displayName, String email, String tenantId) {

    public AuditActor {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("an audit actor needs an id");
        }
    }

    public static AuditActor of(String id) {
        return new AuditActor(id, null, null, null);
    }
}
