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
 * digest, never in clear). After {@link #FAILURES} failed sign-ins for a name (or {@link
 * #ADDRESS_FAILURES} from an address) within {@link #FAILURE_WINDOW}, further attempts for it are
 * refused without a check until the window has passed since the last failure. Held in memory: a restart signs everyone out.
 * Thread-safe.
 */
final class Sessions {

    static final String COOKIE = "ledgerbox_console";
    private static final Duration ABSOLUTE = Duration.ofHours(12);
    private static final Duration BASIC_MEMORY = Duration.ofMinutes(5);
    static final int FAILURES = 5;
    /** An address may be a proxy or a NAT for many people: it gets more. */
    static final int ADDRESS_FAILURES = 20;

    static final Duration FAILURE_WINDOW = Duration.ofMinutes(5);
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

    /** Failed sign-ins of one name or address: how many, and the last one. */
    private record Failures(int count, Instant last) {}

    /** Why a sign-in was refused: wrong credentials, or too many failures just now. */
    enum Refused {
        WRONG,
        THROTTLED
    }

    /** A sign-in's result: the principal, or why not. */
    record SignIn(Principal principal, Refused refused) {}

    private final Map<String, ConsoleUser> users;
    private final Duration idle;
    private final Clock clock;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Map<String, Remembered> basic = new ConcurrentHashMap<>();
    private final Map<String, Failures> failures = new ConcurrentHashMap<>();

    Sessions(Map<String, ConsoleUser> users, Duration idle, Clock clock) {
        this.users = users;
        this.idle = idle;
        this.clock = clock;
    }

    /** Checks a name and password from an address; the new session, or why not. */
    SignIn signIn(String name, char[] password, String address) {
        Instant now = clock.instant();
        if (throttled(name, address, now)) {
            return new SignIn(null, Refused.THROTTLED);
        }
        ConsoleUser user = check(name, password, address, now);
        if (user == null) {
            return new SignIn(null, Refused.WRONG);
        }
        String id = Passwords.token();
        Principal p = new Principal(user.name(), user.role(), Passwords.token(), id);
        sessions.put(id, new Session(p, now, now));
        sessions.values().removeIf(s -> expired(s, now));
        return new SignIn(p, null);
    }

    /** The user whose password this is, or null (counted as a failure). */
    private ConsoleUser check(String name, char[] password, String address, Instant now) {
        ConsoleUser user = name == null ? null : users.get(name);
        boolean ok = Passwords.verify(password, user == null ? DUMMY : user.passwordHash()) && user != null;
        if (ok) {
            failures.remove("user:" + name);
            return user;
        }
        for (String key : new String[] {"user:" + name, "address:" + address}) {
            failures.merge(
                    key,
                    new Failures(1, now),
                    (a, b) -> now.isAfter(a.last().plus(FAILURE_WINDOW)) ? b : new Failures(a.count() + 1, now));
        }
        if (failures.size() > 10_000) {
            failures.values().removeIf(f -> now.isAfter(f.last().plus(FAILURE_WINDOW)));
        }
        return null;
    }

    private boolean throttled(String name, String address, Instant now) {
        return over(failures.get("user:" + name), FAILURES, now)
                || over(failures.get("address:" + address), ADDRESS_FAILURES, now);
    }

    private static boolean over(Failures f, int limit, Instant now) {
        return f != null && f.count() >= limit && !now.isAfter(f.last().plus(FAILURE_WINDOW));
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

    /**
     * The user of an {@code Authorization: Basic} header value from an address, or null (wrong,
     * or throttled as sign-ins are).
     */
    Principal basic(String header, String address) {
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
        if (throttled(name, address, now)) {
            return null;
        }
        ConsoleUser user = check(name, decoded.substring(colon + 1).toCharArray(), address, now);
        if (user == null) {
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
