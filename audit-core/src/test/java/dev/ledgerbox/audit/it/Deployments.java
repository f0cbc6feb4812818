package dev.ledgerbox.audit.it;

import dev.ledgerbox.testing.Libraries;
import dev.ledgerbox.testing.TestApplications;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/** The test application: audit-core and outbox-core as library jars, as a user packages them. */
final class Deployments {

    private Deployments() {}

    static WebArchive auditApp(String name, Class<?>... extraClasses) {
        return TestApplications.of(name, "ledgerbox-audit-core.jar")
                .addClasses(Account.class, AccountService.class, CdiAccounts.class, Actors.class, Rows.class)
                .addClasses(extraClasses)
                .addAsLibraries(Libraries.of(dev.ledgerbox.outbox.Outbox.class));
    }
}
