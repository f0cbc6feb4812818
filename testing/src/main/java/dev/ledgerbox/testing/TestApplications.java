package dev.ledgerbox.testing;

import java.io.File;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.EmptyAsset;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/**
 * The in-container test application of a module: the module as a library jar, as a user packages
 * it, what every in-container test needs (OpenTelemetry API, AssertJ, {@link SqlRows}), the
 * module's {@code src/test/resources-it} persistence unit and configuration (where it has them), and CDI on. The
 * caller adds its test beans.
 */
public final class TestApplications {

    private static final String[] SHARED_LIBRARIES = {
        "io.opentelemetry.api.trace.Span",
        "io.opentelemetry.context.Context",
        "io.opentelemetry.common.ComponentLoader",
        "org.assertj.core.api.Assertions"
    };

    private TestApplications() {}

    /** {@code name.war} with the module under test built as {@code moduleJar} from {@code target/classes}. */
    public static WebArchive of(String name, String moduleJar) {
        WebArchive war = ShrinkWrap.create(WebArchive.class, name + ".war")
                .addAsLibraries(Libraries.of(moduleJar, new File("target/classes")))
                .addAsLibraries(Libraries.of(SqlRows.class))
                .addAsWebInfResource(EmptyAsset.INSTANCE, "beans.xml");
        for (String resource : new String[] {"META-INF/persistence.xml", "META-INF/microprofile-config.properties"}) {
            File file = new File("src/test/resources-it/" + resource);
            if (file.exists()) {
                war.addAsResource(file, resource);
            }
        }
        for (String type : SHARED_LIBRARIES) {
            try {
                war.addAsLibraries(Libraries.of(Class.forName(type)));
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(type + " is missing from the test class path", e);
            }
        }
        return war;
    }
}
