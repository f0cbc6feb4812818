package dev.ledgerbox.sample;

import dev.ledgerbox.audit.AuditActor;
import dev.ledgerbox.audit.AuditActorProvider;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import java.util.Optional;

/**
 * Who changes things in the demo: the authenticated principal when there is one, else the
 * {@code X-Actor} header. <b>A demo shortcut</b>: a real application maps its authenticated
 * principal only, since a header is whatever the client says.
 */
@ApplicationScoped
public class DemoActors implements AuditActorProvider {

    @Inject
    HttpServletRequest request;

    @Override
    public Optional<AuditActor> actor(Principal principal) {
        if (principal != null) {
            return Optional.of(new AuditActor(principal.getName(), principal.getName(), null, null));
        }
        String actor;
        try {
            actor = request.getHeader("X-Actor");
        } catch (RuntimeException noRequest) { // a timer or a batch job
            actor = null;
        }
        if (actor == null || actor.isBlank() || actor.length() > 64) {
            return Optional.of(new AuditActor("anonymous", null, null, null));
        }
        return Optional.of(new AuditActor(actor, actor, null, null));
    }
}
