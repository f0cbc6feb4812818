package dev.ledgerbox.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The SQL of the documentation, as written: tests run it so that the docs cannot go stale. */
public final class DocSql {

    private static final Pattern SQL = Pattern.compile("```sql\\n(.*?)```", Pattern.DOTALL);

    private DocSql() {}

    /**
     * The {@code sql} code blocks of {@code docs/<doc>} between the first {@code from} and the next
     * {@code to} after it (the end of the page when {@code to} is null). Run from a module's
     * directory.
     */
    public static List<String> blocks(String doc, String from, String to) throws IOException {
        String text = Files.readString(Path.of("..", "docs", doc));
        int start = text.indexOf(from);
        if (start < 0) {
            throw new IllegalStateException("docs/" + doc + " has no '" + from + "'");
        }
        int end = to == null ? text.length() : text.indexOf(to, start);
        Matcher blocks = SQL.matcher(text.substring(start, end));
        List<String> queries = new ArrayList<>();
        while (blocks.find()) {
            queries.add(blocks.group(1).strip());
        }
        return queries;
    }
}
