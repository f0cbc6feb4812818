package dev.ledgerbox.outbox.spi;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What is never stored or logged of what crosses the boundary (webhooks sent, payloads received):
 * credentials in headers (by name), and NUL characters, which PostgreSQL text cannot hold.
 * Thread-safe.
 */
public final class Redaction {

    public static final String REDACTED = "[redacted]";
    private static final Set<String> SECRET_HEADERS =
            Set.of("authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key");
    private static final String[] SECRET_WORDS = {"token", "secret", "password", "apikey", "api-key", "auth"};

    private Redaction() {}

    /** Whether a header of this name carries a credential (Authorization, Cookie, API keys, tokens). */
    public static boolean secretHeader(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (SECRET_HEADERS.contains(n)) {
            return true;
        }
        for (String word : SECRET_WORDS) {
            if (n.contains(word)) {
                return true;
            }
        }
        return false;
    }

    /** The headers with every credential replaced by {@link #REDACTED}. */
    public static Map<String, String> headers(Map<String, String> headers) {
        Map<String, String> out = new LinkedHashMap<>();
        headers.forEach((name, value) -> out.put(name, secretHeader(name) ? REDACTED : value));
        return out;
    }

    /** The text with NUL characters replaced, so that PostgreSQL can store it. */
    public static String text(String text) {
        return text == null ? null : text.replace('\u0000', '\uFFFD');
    }
}
