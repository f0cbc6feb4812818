package com.example;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * This application is docs/getting-started.md's snippets and nothing else: each snippet marked
 * {@code <!-- adopter-app: FILE -->} is that file, whole; one marked {@code (part)} is lines of
 * that file in that order; every XML, Java and properties snippet is marked; every source file of
 * the application is shown whole on the page (the empty {@code flyway.location} named).
 */
class GettingStartedDocTest {

    private static final Path PAGE = Path.of("..", "docs", "getting-started.md");
    private static final Pattern MARKED =
            Pattern.compile("<!-- adopter-app: (\\S+)( \\(part\\))? -->\\n( *)```\\w+\\n(.*?)\\n *```", Pattern.DOTALL);
    private static final Pattern CHECKED_BLOCK = Pattern.compile("^ *```(xml|java|properties)$", Pattern.MULTILINE);

    @Test
    void everySnippetIsTheApplicationsOwnAndTheApplicationIsNothingElse() throws IOException {
        String page = Files.readString(PAGE);
        Matcher m = MARKED.matcher(page);
        Set<String> shownWhole = new TreeSet<>();
        int marked = 0;
        while (m.find()) {
            marked++;
            Path file = Path.of(m.group(1));
            assertThat(file).as("the file a snippet names").exists();
            String snippet = dedent(m.group(4), m.group(3).length());
            String actual = Files.readString(file).stripTrailing();
            if (m.group(2) != null) {
                assertThat(significantLines(actual))
                        .as("%s holds the snippet's lines in order", file)
                        .containsSubsequence(significantLines(snippet));
            } else {
                assertThat(snippet).as("the page's %s", file).isEqualTo(actual);
                shownWhole.add(m.group(1));
            }
        }
        assertThat(marked).as("snippets on the page").isGreaterThanOrEqualTo(10);

        Matcher blocks = CHECKED_BLOCK.matcher(page);
        int checked = 0;
        while (blocks.find()) {
            checked++;
        }
        assertThat(checked)
                .as("every XML, Java and properties snippet is marked")
                .isEqualTo(marked - sqlMarked(page));

        Set<String> sources = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("src", "main"))) {
            files.filter(Files::isRegularFile)
                    .forEach(f -> sources.add(f.toString().replace('\\', '/')));
        }
        for (String source : sources) {
            if (source.endsWith("flyway.location")) {
                assertThat(Files.size(Path.of(source))).isZero();
                assertThat(page).contains("an empty `" + source + "`");
            } else {
                assertThat(shownWhole)
                        .as("the application's sources shown whole on the page")
                        .contains(source);
            }
        }
    }

    private static int sqlMarked(String page) {
        Matcher m = Pattern.compile("<!-- adopter-app: \\S+ -->\\n *```sql").matcher(page);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** Removes the indentation a snippet has inside a list item. */
    private static String dedent(String snippet, int indent) {
        String prefix = " ".repeat(indent);
        return Arrays.stream(snippet.split("\n", -1))
                .map(line -> line.startsWith(prefix) ? line.substring(indent) : line.strip())
                .collect(Collectors.joining("\n"))
                .stripTrailing();
    }

    private static List<String> significantLines(String text) {
        List<String> lines = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank()) {
                lines.add(line.strip());
            }
        }
        return lines;
    }
}
