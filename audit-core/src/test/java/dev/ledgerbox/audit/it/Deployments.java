package dev.ledgerbox.audit.it;

import java.io.File;
import java.net.URISyntaxException;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.EmptyAsset;
import org.jboss.shrinkwrap.api.importer.ExplodedImporter;
import org.jboss.shrinkwrap.api.importer.ZipImporter;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/** The test application: audit-core and outbox-core as library jars, as a user packages them. */
final class Deployments {

    private Deployments() {}

    static WebArchive auditApp(String name, Class<?>... extraClasses) {
        return ShrinkWrap.create(WebArchive.class, name + ".war")
                .addClasses(Account.class, AccountService.class, CdiAccounts.class, Actors.class, Rows.class)
                .addClasses(extraClasses)
                .addAsLibraries(archive("ledgerbox-audit-core.jar", new File("target/classes")))
                .addAsLibraries(jarOf(dev.ledgerbox.outbox.Outbox.class))
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

    /** The jar (or class directory, inside a reactor build) on the test class path that holds the class. */
    private static JavaArchive jarOf(Class<?> type) {
        try {
            File location = new File(
                    type.getProtectionDomain().getCodeSource().getLocation().toURI());
            String name = location.isDirectory() ? type.getSimpleName().toLowerCase() + ".jar" : location.getName();
            return archive(name, location);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JavaArchive archive(String name, File location) {
        if (location.isDirectory()) {
            return ShrinkWrap.create(ExplodedImporter.class, name)
                    .importDirectory(location)
                    .as(JavaArchive.class);
        }
        return ShrinkWrap.create(ZipImporter.class, name).importFrom(location).as(JavaArchive.class);
    }
}
