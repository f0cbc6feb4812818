package dev.ledgerbox.sample;

import dev.ledgerbox.audit.AuditAction;
import dev.ledgerbox.outbox.Outbox;
import dev.ledgerbox.outbox.OutboxEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import jakarta.transaction.Transactional;
import java.util.Map;

/** Members, as a CDI bean with {@code @Transactional}: the same guarantees without an EJB. */
@ApplicationScoped
@Transactional(rollbackOn = BusinessRuleException.class)
public class Members {

    @PersistenceContext
    EntityManager em;

    @Inject
    Outbox outbox;

    public Member invite(String email, String phone) {
        if (email == null || !email.contains("@")) {
            throw new BusinessRuleException("'" + email + "' is not an email address");
        }
        Member member = new Member(email, phone);
        em.persist(member);
        em.flush();
        outbox.emit(OutboxEvent.of(
                "member", member.getId(), "member.invited", Map.of("id", member.getId(), "email", email)));
        return member;
    }

    @AuditAction("member.role_changed")
    public Member changeRole(long id, Role role) {
        Member member = em.find(Member.class, id);
        if (member == null) {
            throw new NotFoundException("there is no member " + id);
        }
        member.setRole(role);
        outbox.emit(OutboxEvent.of("member", id, "member.role_changed", Map.of("id", id, "role", role.name())));
        return member;
    }
}
