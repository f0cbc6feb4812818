package dev.ledgerbox.publisher;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads configuration keys under one prefix and checks each value, naming the key and the bad
 * value: the one reader of the publisher's settings and of what runs beside it (the console).
 * {@code source} returns null for a key that is not set.
 *
 * <p>Durations are written {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 7d} or in
 * ISO-8601 ({@code PT30S}).
 */
public record SettingsReader(String prefix, Function<String, String> source) {

    private static final Pattern SHORT = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    /** Parses {@code 30s}, {@code 5m}, ... or ISO-8601; null when it is neither. */
    public static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        Matcher m = SHORT.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        try {
            return Duration.parse(text.trim().toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    public String text(String key, String fallback) {
        String value = source.apply(prefix + key);
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    /** The value of a key that must be set; {@code why} says what needs it. */
    public String required(String key, String why) {
        String value = text(key, null);
        if (value == null) {
            throw new ConfigurationException(prefix + key + " is not set: " + why + " (property, environment variable "
                    + envName(key) + " or flag)");
        }
        return value;
    }

    public int integer(String key, int fallback, int min, int max) {
        String value = text(key, null);
        if (value == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigurationException(
                prefix + key + " is '" + value + "': it must be a whole number from " + min + " to " + max);
    }

    public Duration duration(String key, String fallback, Duration min) {
        String value = text(key, fallback);
        Duration d = parseDuration(value);
        if (d == null) {
            throw new ConfigurationException(prefix + key + " is '" + value
                    + "': it must be a duration such as 500ms, 30s, 5m, 2h, 7d or PT30S");
        }
        if (d.compareTo(min) < 0) {
            throw new ConfigurationException(prefix + key + " is '" + value + "': it must be at least " + min);
        }
        return d;
    }

    public java.util.List<Duration> durations(String key, String fallback) {
        String value = text(key, fallback);
        java.util.List<Duration> delays = new java.util.ArrayList<>();
        if (value.isBlank() || value.equals("none")) {
            return delays;
        }
        for (String part : value.split(",")) {
            Duration d = parseDuration(part.trim());
            if (d == null || d.isNegative()) {
                throw new ConfigurationException(prefix + key + " is '" + value + "': '" + part.trim()
                        + "' is not a duration; write the delays between attempts, e.g. 5s,5m,30m,2h");
            }
            delays.add(d);
        }
        return delays;
    }

    public boolean bool(String key, boolean fallback) {
        String value = text(key, null);
        if (value == null) {
            return fallback;
        }
        if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(value);
        }
        throw new ConfigurationException(prefix + key + " is '" + value + "': it must be true or false");
    }

    public String envName(String key) {
        return (prefix + key).toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    /** A number from {@code min} to {@code max} ({@code 0.95}). */
    public double decimal(String key, double fallback, double min, double max) {
        String value = text(key, null);
        if (value == null) {
            return fallback;
        }
        try {
            double n = Double.parseDouble(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigurationException(
                prefix + key + " is '" + value + "': it must be a number from " + min + " to " + max);
    }
}
