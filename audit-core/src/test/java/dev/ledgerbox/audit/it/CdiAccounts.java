package dev.ledgerbox.audit.it;

import dev.ledgerbox.audit.AuditAction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import jakarta.transaction.Transactional;

/** A CDI bean with {@code @Transactional} methods that changes audited accounts. */
@ApplicationScoped
public class CdiAccounts {

    @PersistenceContext
    EntityManager em;

    @Transactional
    @AuditAction("account.renamed")
    public void rename(long id, String name) {
        em.find(Account.class, id).setName(name);
    }

    @Transactional
    public void renameThenCrash(long id, String name) {
        em.find(Account.class, id).setName(name);
        em.flush();
        throw new IllegalStateException("crash after the flush");
    }
}
