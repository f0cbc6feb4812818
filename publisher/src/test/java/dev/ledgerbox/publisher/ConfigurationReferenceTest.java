package dev.ledgerbox.publisher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/publisher.md's configuration table names every key the publisher reads, and no other. */
class ConfigurationReferenceTest {

    @Test
    void theReferenceListsExactlyTheKeysThatAreRead() throws Exception {
        List<String> read = new ArrayList<>();
        PublisherSettings.from(key -> {
            read.add(key);
            return key.equals("publisher.jdbc.url") ? "jdbc:postgresql://localhost/app" : null;
        });

        String doc = Files.readString(Path.of("..", "docs", "publisher.md"));
        String table = doc.substring(doc.indexOf("## Configuration"), doc.indexOf("## How events move"));
        List<String> documented = new ArrayList<>();
        Matcher m = Pattern.compile("`(publisher\\.[a-z0-9.\\-]+)`").matcher(table);
        while (m.find()) {
            documented.add(m.group(1));
        }
        assertThat(read).isNotEmpty();
        assertThat(new java.util.TreeSet<>(documented)).isEqualTo(new java.util.TreeSet<>(read));
    }
}
