package dev.ledgerbox.outbox.it;

import dev.ledgerbox.testing.Libraries;
import java.io.File;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.EmptyAsset;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/** The test application: outbox-core as a library jar, as a user packages it, plus test beans. */
final class Deployments {

    private Deployments() {}

    static WebArchive outboxApp(String name, Class<?>... extraClasses) {
        return ShrinkWrap.create(WebArchive.class, name + ".war")
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
                .addClasses(extraClasses)
                .addAsLibraries(Libraries.of("ledgerbox-outbox-core.jar", new File("target/classes")))
                .addAsLibraries(Libraries.of(io.opentelemetry.api.trace.Span.class))
                .addAsLibraries(Libraries.of(io.opentelemetry.context.Context.class))
                .addAsLibraries(Libraries.of(io.opentelemetry.common.ComponentLoader.class))
                .addAsLibraries(Libraries.of(org.assertj.core.api.Assertions.class))
                .addAsLibraries(Libraries.of(dev.ledgerbox.testing.SqlRows.class))
                .addAsResource(new File("src/test/resources-it/META-INF/persistence.xml"), "META-INF/persistence.xml")
                .addAsResource(
                        new File("src/test/resources-it/META-INF/microprofile-config.properties"),
                        "META-INF/microprofile-config.properties")
                .addAsWebInfResource(EmptyAsset.INSTANCE, "beans.xml");
    }
}
