package dev.ledgerbox.console;

import dev.ledgerbox.publisher.ConfigurationException;
import dev.ledgerbox.publisher.SettingsReader;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The console's settings, keys under {@code publisher.console.}, each checked at start-up and a
 * bad one reported with its key. Users are {@code name:role:hash} entries, comma-separated, the
 * hash made by {@link Passwords#hash} (the {@code console-user} command prints an entry).
 *
 * @param host the address to bind, {@code 127.0.0.1} unless configured otherwise
 * @param port the port, 0 for any free one
 * @param users who may sign in, by name
 * @param sessionIdle how long a signed-in page may stay idle
 * @param health the endpoint health thresholds
 * @param refresh how often the rollups and health figures are brought up to date
 */
public record ConsoleSettings(
        String host,
        int port,
        Map<String, ConsoleUser> users,
        Duration sessionIdle,
        HealthThresholds health,
        Duration refresh) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");

    public ConsoleSettings {
        users = Collections.unmodifiableMap(new LinkedHashMap<>(users));
    }

    /** Who may sign in: a name, a role and the hash of the password (never the password). */
    public record ConsoleUser(String name, Role role, String passwordHash) {
        @Override
        public String toString() {
            return name + ":" + role.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Viewers read; operators also replay, disable, enable, rotate secrets and send test events. */
    public enum Role {
        VIEWER,
        OPERATOR
    }

    /**
     * When an endpoint stops being healthy: over the last {@code window}, a success rate under
     * {@code degradedSuccessRate} (or a p95 latency over {@code degradedP95}, or at least {@code
     * degradedDead} dead letters) makes it degraded; under {@code criticalSuccessRate} (over {@code
     * criticalP95}, {@code criticalDead} dead letters, or an open circuit) critical.
     */
    public record HealthThresholds(
            Duration window,
            double degradedSuccessRate,
            double criticalSuccessRate,
            Duration degradedP95,
            Duration criticalP95,
            int degradedDead,
            int criticalDead) {}

    /** Reads and checks the settings; {@code source} returns null for a key that is not set. */
    public static ConsoleSettings from(Function<String, String> source) {
        SettingsReader r = new SettingsReader("publisher.", source);
        Map<String, ConsoleUser> users = users(r.text("console.users", ""));
        HealthThresholds health = new HealthThresholds(
                r.duration("console.health.window", "15m", Duration.ofMinutes(1)),
                r.decimal("console.health.degraded.success-rate", 0.95, 0, 1),
                r.decimal("console.health.critical.success-rate", 0.5, 0, 1),
                r.duration("console.health.degraded.p95", "2s", Duration.ofMillis(1)),
                r.duration("console.health.critical.p95", "10s", Duration.ofMillis(1)),
                r.integer("console.health.degraded.dead", 1, 1, 1_000_000),
                r.integer("console.health.critical.dead", 10, 1, 1_000_000));
        if (health.criticalSuccessRate() > health.degradedSuccessRate()) {
            throw new ConfigurationException("publisher.console.health.critical.success-rate ("
                    + health.criticalSuccessRate() + ") is above publisher.console.health.degraded.success-rate ("
                    + health.degradedSuccessRate() + ")");
        }
        return new ConsoleSettings(
                r.text("console.host", "127.0.0.1"),
                r.integer("console.port", 9091, 0, 65_535),
                users,
                r.duration("console.session-idle", "30m", Duration.ofMinutes(1)),
                health,
                r.duration("console.refresh", "15s", Duration.ofSeconds(1)));
    }

    private static Map<String, ConsoleUser> users(String text) {
        Map<String, ConsoleUser> users = new LinkedHashMap<>();
        if (text.isBlank()) {
            return users;
        }
        for (String entry : text.split(",")) {
            String[] parts = entry.trim().split(":", 3);
            String shown = parts[0] + ":…"; // never the hash in a message
            if (parts.length != 3 || !NAME.matcher(parts[0]).matches()) {
                throw new ConfigurationException("publisher.console.users has '" + shown
                        + "': each user is name:role:hash (letters, digits, . _ @ - in the name), as printed by"
                        + " `ledgerbox-publisher console-user NAME ROLE`");
            }
            Role role;
            try {
                role = Role.valueOf(parts[1].trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException("publisher.console.users gives " + parts[0] + " the role '" + parts[1]
                        + "': the roles are viewer and operator");
            }
            if (!Passwords.isHash(parts[2].trim())) {
                throw new ConfigurationException("publisher.console.users gives " + parts[0]
                        + " a password that is not a hash: store the hash printed by"
                        + " `ledgerbox-publisher console-user NAME ROLE`, never the password");
            }
            if (users.put(parts[0], new ConsoleUser(parts[0], role, parts[2].trim())) != null) {
                throw new ConfigurationException("publisher.console.users names " + parts[0] + " twice");
            }
        }
        return users;
    }

    @Override
    public String toString() { // never the hashes
        return "ConsoleSettings[host=" + host + ", port=" + port + ", users=" + users.values() + ", sessionIdle="
                + sessionIdle + ", health=" + health + ", refresh=" + refresh + "]";
    }
}
