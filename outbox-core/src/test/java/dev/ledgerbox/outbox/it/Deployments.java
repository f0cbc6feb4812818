package dev.ledgerbox.outbox.it;

import dev.ledgerbox.testing.TestApplications;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/** The test application: outbox-core as a library jar, as a user packages it, plus test beans. */
final class Deployments {

    private Deployments() {}

    static WebArchive outboxApp(String name, Class<?>... extraClasses) {
        return TestApplications.of(name, "ledgerbox-outbox-core.jar")
                .addClasses(
                        Purchase.class,
                        PaymentDeclined.class,
                        Payloads.class,
                        Payloads.Bulk.class,
                        Payloads.Unserialisable.class,
                        PurchaseService.class,
                        PurchaseNotes.class,
                        CdiPurchases.class,
                        Rows.class)
                .addClasses(extraClasses);
    }
}
