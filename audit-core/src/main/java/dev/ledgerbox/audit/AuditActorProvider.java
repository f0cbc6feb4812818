package dev.ledgerbox.audit;

import java.security.Principal;
import java.util.Optional;

/**
 * Names the actor of the current change. Implement it as an application-scoped CDI bean to map
 * the container's principal to the application's users (display name, email, an internal id);
 * without one, the actor id is the principal's name.
 */
public interface AuditActorProvider {

    /**
     * @param principal the caller principal of the current request, or null when there is none
     *     (batch jobs, timers)
     * @return the actor, or empty when the change has none
     */
    Optional<AuditActor> actor(Principal principal);
}
