package dev.ledgerbox.console;

import dev.ledgerbox.console.ConsoleSettings.ConsoleUser;
import dev.ledgerbox.console.ConsoleSettings.Role;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who is signed in: browser sessions (a random id in an {@code HttpOnly}, {@code SameSite=Strict}
 * cookie, with its own CSRF token, ending after the idle time or twelve hours) and scripts'
 * HTTP Basic credentials (checked against the hash once, then remembered for five minutes by a
 * digest, never in clear). Held in memory: a restart signs everyone out. Thread-safe.
 */
final class Sessions {

    static final String COOKIE = "ledgerbox_console";
    private static final Duration ABSOLUTE = Duration.ofHours(12);
    private static final Duration BASIC_MEMORY = Duration.ofMinutes(5);
    /** Checked when the user is unknown, so that a wrong name takes as long as a wrong password. */
    private static final String DUMMY = Passwords.hash("not a password".toCharArray());

    /** A signed-in user; {@code csrf} is null for Basic credentials, which need none. */
    record Principal(String name, Role role, String csrf, String sessionId) {
        boolean operator() {
            return role == Role.OPERATOR;
        }
    }

    private record Session(Principal principal, Instant created, Instant lastSeen) {}

    private record Remembered(Principal principal, Instant until) {}

    private final Map<String, ConsoleUser> users;
    private final Duration idle;
    private final Clock clock;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Map<String, Remembered> basic = new ConcurrentHashMap<>();

    Sessions(Map<String, ConsoleUser> users, Duration idle, Clock clock) {
        this.users = users;
        this.idle = idle;
        this.clock = clock;
    }

    /** Checks a name and password; the new session, or null. */
    Principal signIn(String name, char[] password) {
        ConsoleUser user = name == null ? null : users.get(name);
        boolean ok = Passwords.verify(password, user == null ? DUMMY : user.passwordHash()) && user != null;
        if (!ok) {
            return null;
        }
        String id = Passwords.token();
        Principal p = new Principal(user.name(), user.role(), Passwords.token(), id);
        Instant now = clock.instant();
        sessions.put(id, new Session(p, now, now));
        sessions.values().removeIf(s -> expired(s, now));
        return p;
    }

    void signOut(String sessionId) {
        sessions.remove(sessionId);
    }

    /** The session of a cookie value, if it is live. */
    Principal session(String id) {
        if (id == null) {
            return null;
        }
        Session s = sessions.get(id);
        Instant now = clock.instant();
        if (s == null || expired(s, now)) {
            if (s != null) {
                sessions.remove(id);
            }
            return null;
        }
        sessions.put(id, new Session(s.principal(), s.created(), now));
        return s.principal();
    }

    private boolean expired(Session s, Instant now) {
        return now.isAfter(s.lastSeen().plus(idle)) || now.isAfter(s.created().plus(ABSOLUTE));
    }

    /** The user of an {@code Authorization: Basic} header value, or null. */
    Principal basic(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String digest = digest(header);
        Instant now = clock.instant();
        Remembered r = basic.get(digest);
        if (r != null && now.isBefore(r.until())) {
            return r.principal();
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return null;
        }
        String name = decoded.substring(0, colon);
        ConsoleUser user = users.get(name);
        boolean ok =
                Passwords.verify(decoded.substring(colon + 1).toCharArray(), user == null ? DUMMY : user.passwordHash())
                        && user != null;
        if (!ok) {
            return null;
        }
        Principal p = new Principal(user.name(), user.role(), null, null);
        if (basic.size() > 1000) {
            basic.clear();
        }
        basic.put(digest, new Remembered(p, now.plus(BASIC_MEMORY)));
        return p;
    }

    private static String digest(String text) {
        try {
            return Base64.getEncoder()
                    .encodeToString(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
