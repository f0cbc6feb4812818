package dev.ledgerbox.audit.it;

import dev.ledgerbox.audit.AuditActor;
import dev.ledgerbox.audit.AuditActorProvider;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.Principal;
import java.util.Optional;

/** The application's mapping from the container's principal to its users. */
@ApplicationScoped
public class Actors implements AuditActorProvider {

    @Override
    public Optional<AuditActor> actor(Principal principal) {
        String id = principal == null ? "batch" : principal.getName();
        return Optional.of(new AuditActor(id, "Batch Job", "ops@example.com", "tenant-1"));
    }
}
