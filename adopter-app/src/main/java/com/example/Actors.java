package com.example;

import dev.ledgerbox.audit.AuditActor;
import dev.ledgerbox.audit.AuditActorProvider;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.Principal;
import java.util.Optional;

@ApplicationScoped
public class Actors implements AuditActorProvider {

    @Override
    public Optional<AuditActor> actor(Principal principal) {
        if (principal == null) {
            return Optional.of(AuditActor.of("system")); // timers, batch jobs, anonymous requests
        }
        // your own user directory gives the display name, email and tenant
        return Optional.of(new AuditActor(principal.getName(), principal.getName(), null, null));
    }
}
