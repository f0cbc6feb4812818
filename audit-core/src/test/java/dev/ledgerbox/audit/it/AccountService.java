package dev.ledgerbox.audit.it;

import dev.ledgerbox.audit.AuditAction;
import dev.ledgerbox.outbox.Outbox;
import dev.ledgerbox.outbox.OutboxEvent;
import jakarta.annotation.Resource;
import jakarta.ejb.SessionContext;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.util.Map;

/** An EJB with container-managed transactions that changes audited accounts. */
@Stateless
public class AccountService {

    @PersistenceContext
    EntityManager em;

    @Inject
    Outbox outbox;

    @Resource
    SessionContext context;

    public long open(String name) {
        Account account = new Account(name);
        em.persist(account);
        outbox.emit(OutboxEvent.of("account", account.getId(), "account.opened", Map.of("name", name)));
        return account.getId();
    }

    @AuditAction(value = "account.role_changed", reason = "quarterly review")
    public void changeRole(long id, String role) {
        em.find(Account.class, id).setRole(role);
    }

    public void openThenCrash(String name) {
        em.persist(new Account(name));
        em.flush();
        throw new IllegalStateException("crash after the flush");
    }

    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public long openAlone(String name) {
        Account account = new Account(name);
        em.persist(account);
        return account.getId();
    }

    /** Opens one account in this transaction and one in its own, then fails this one. */
    public void openTwoThenCrash(String outer, String inner) {
        em.persist(new Account(outer));
        context.getBusinessObject(AccountService.class).openAlone(inner);
        throw new IllegalStateException("the outer transaction fails");
    }
}
