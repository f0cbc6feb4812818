package dev.ledgerbox.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The BOM manages every published module at the build's version: a module added to the build and
 * forgotten in the BOM, or a version bumped in one place only, fails here.
 */
class BomTest {

    private static final Pattern VERSION =
            Pattern.compile("<artifactId>(ledgerbox-[a-z-]+)</artifactId>\\s*<version>([^<]+)</version>");

    @Test
    void theBomListsEveryPublishedModuleAtTheBuildsVersion() throws Exception {
        String parent = Files.readString(Path.of("..", "pom.xml"));
        Matcher own = VERSION.matcher(parent);
        assertThat(own.find()).isTrue();
        assertThat(own.group(1)).isEqualTo("ledgerbox-parent");
        String version = own.group(2);

        List<String> published = new ArrayList<>();
        Matcher modules = Pattern.compile("<module>([a-z-]+)</module>").matcher(parent);
        while (modules.find()) {
            String module = modules.group(1);
            String pom = Files.readString(Path.of("..", module, "pom.xml"));
            if (!module.equals("bom") && !pom.contains("<maven.deploy.skip>true</maven.deploy.skip>")) {
                Matcher artifact = Pattern.compile("</parent>\\s*<artifactId>([^<]+)</artifactId>")
                        .matcher(pom);
                assertThat(artifact.find()).as(module).isTrue();
                published.add(artifact.group(1));
            }
        }

        String bom = Files.readString(Path.of("..", "bom", "pom.xml"));
        Matcher bomVersion = Pattern.compile("<artifactId>ledgerbox-bom</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(bom);
        assertThat(bomVersion.find()).isTrue();
        assertThat(bomVersion.group(1)).isEqualTo(version);
        List<String> managed = new ArrayList<>();
        Matcher entries = VERSION.matcher(bom.substring(bom.indexOf("<dependencyManagement>")));
        while (entries.find()) {
            managed.add(entries.group(1));
            assertThat(entries.group(2)).as(entries.group(1)).isEqualTo(version);
        }
        assertThat(new TreeSet<>(managed)).isEqualTo(new TreeSet<>(published));
        assertThat(published)
                .contains("ledgerbox-outbox-core", "ledgerbox-console")
                .doesNotContain("ledgerbox-sample-app");
    }
}
