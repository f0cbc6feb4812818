package dev.ledgerbox.outbox.it;

import java.io.File;
import java.net.URISyntaxException;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.EmptyAsset;
import org.jboss.shrinkwrap.api.importer.ExplodedImporter;
import org.jboss.shrinkwrap.api.importer.ZipImporter;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/** The test application: outbox-core as a library jar, as a user packages it, plus test beans. */
final class Deployments {

    private Deployments() {}

    static WebArchive outboxApp(String name, Class<?>... extraClasses) {
        JavaArchive outboxCore = ShrinkWrap.create(ExplodedImporter.class, "ledgerbox-outbox-core.jar")
                .importDirectory("target/classes")
                .as(JavaArchive.class);
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
                .addAsLibraries(outboxCore)
                .addAsLibraries(jarOf(io.opentelemetry.api.trace.Span.class))
                .addAsLibraries(jarOf(io.opentelemetry.context.Context.class))
                .addAsLibraries(jarOf(io.opentelemetry.common.ComponentLoader.class))
                .addAsLibraries(jarOf(org.assertj.core.api.Assertions.class))
                .addAsResource(new File("src/test/resources-it/META-INF/persistence.xml"), "META-INF/persistence.xml")
                .addAsResource(
                        new File("src/test/resources-it/META-INF/microprofile-config.properties"),
                        "META-INF/microprofile-config.properties")
                .addAsWebInfResource(EmptyAsset.INSTANCE, "beans.xml");
    }

    /** The jar on the test class path that holds the class. */
    private static JavaArchive jarOf(Class<?> type) {
        try {
            File jar = new File(
                    type.getProtectionDomain().getCodeSource().getLocation().toURI());
            return ShrinkWrap.create(ZipImporter.class, jar.getName())
                    .importFrom(jar)
                    .as(JavaArchive.class);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
