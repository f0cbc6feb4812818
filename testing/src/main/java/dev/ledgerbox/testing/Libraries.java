package dev.ledgerbox.testing;

import java.io.File;
import java.net.URISyntaxException;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.importer.ExplodedImporter;
import org.jboss.shrinkwrap.api.importer.ZipImporter;
import org.jboss.shrinkwrap.api.spec.JavaArchive;

/** Library jars for test deployments, taken from the test class path. */
public final class Libraries {

    private Libraries() {}

    /** The jar on the test class path that holds the class (a class directory becomes a jar). */
    public static JavaArchive of(Class<?> type) {
        try {
            File location = new File(
                    type.getProtectionDomain().getCodeSource().getLocation().toURI());
            String name = location.isDirectory() ? type.getSimpleName().toLowerCase() + ".jar" : location.getName();
            return of(name, location);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A jar made from a jar file or a class directory. */
    public static JavaArchive of(String name, File location) {
        if (location.isDirectory()) {
            return ShrinkWrap.create(ExplodedImporter.class, name)
                    .importDirectory(location)
                    .as(JavaArchive.class);
        }
        return ShrinkWrap.create(ZipImporter.class, name).importFrom(location).as(JavaArchive.class);
    }
}
