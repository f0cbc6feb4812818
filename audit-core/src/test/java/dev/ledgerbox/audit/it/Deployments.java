package dev.ledgerbox.audit.it;

import dev.ledgerbox.testing.Libraries;
import java.io.File;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.EmptyAsset;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/** The test application: audit-core and outbox-core as library jars, as a user packages them. */
final class Deployments {

    private Deployments() {}

    static WebArchive auditApp(String name, Class<?>... extraClasses) {
        return ShrinkWrap.create(WebArchive.class, name + ".war")
                .addClasses(Account.class, AccountService.class, CdiAccounts.class, Actors.class, Rows.class)
                .addClasses(extraClasses)
                .addAsLibraries(Libraries.of("ledgerbox-audit-core.jar", new File("target/classes")))
                .addAsLibraries(Libraries.of(dev.ledgerbox.outbox.Outbox.class))
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
