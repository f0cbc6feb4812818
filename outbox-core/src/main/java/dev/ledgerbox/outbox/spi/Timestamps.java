package dev.ledgerbox.outbox.spi;

import java.time.Instant;
import java.time.LocalDate;

/**
 * Instants as text, written without java.time's formatters, which cost the writers of rows more
 * than the rest of a row's columns together. Thread-safe (stateless).
 */
public final class Timestamps {

    /** The first second of year 1000 and of year 0, and the last of year 9999. */
    private static final long YEAR_1000 = -30_610_224_000L;

    private static final long YEAR_0 = -62_167_219_200L;
    private static final long YEAR_9999_END = 253_402_300_799L;

    private Timestamps() {}

    /**
     * {@code 2026-12-02 17:30:00.000001+00}, as {@code timestamptz} reads it (to the microsecond);
     * years outside 1000-9999 as {@link Instant#toString()}, with its sign and width.
     */
    public static StringBuilder appendPostgres(StringBuilder out, Instant instant) {
        long seconds = instant.getEpochSecond();
        if (seconds < YEAR_1000 || seconds > YEAR_9999_END) {
            return out.append(instant);
        }
        dateAndTime(out, seconds, ' ').append('.');
        return digits(out, instant.getNano() / 1_000, 6).append("+00");
    }

    /**
     * {@link Instant#toString()} exactly: seconds always, the fraction in groups of three digits
     * when there is one; written directly for years 0000-9999.
     */
    public static StringBuilder appendIso(StringBuilder out, Instant instant) {
        long seconds = instant.getEpochSecond();
        if (seconds < YEAR_0 || seconds > YEAR_9999_END) {
            return out.append(instant);
        }
        dateAndTime(out, seconds, 'T');
        int nano = instant.getNano();
        if (nano > 0) {
            out.append('.');
            if (nano % 1_000_000 == 0) {
                digits(out, nano / 1_000_000, 3);
            } else if (nano % 1_000 == 0) {
                digits(out, nano / 1_000, 6);
            } else {
                digits(out, nano, 9);
            }
        }
        return out.append('Z');
    }

    private static StringBuilder dateAndTime(StringBuilder out, long epochSeconds, char separator) {
        LocalDate date = LocalDate.ofEpochDay(Math.floorDiv(epochSeconds, 86_400));
        int second = (int) Math.floorMod(epochSeconds, 86_400);
        digits(out, date.getYear(), 4).append('-');
        digits(out, date.getMonthValue(), 2).append('-');
        digits(out, date.getDayOfMonth(), 2).append(separator);
        digits(out, second / 3600, 2).append(':');
        digits(out, second / 60 % 60, 2).append(':');
        return digits(out, second % 60, 2);
    }

    /** A non-negative number with leading zeros to {@code width} digits. */
    private static StringBuilder digits(StringBuilder out, int value, int width) {
        for (int limit = 10, i = 1; i < width; i++, limit *= 10) {
            if (value < limit) {
                out.append('0');
            }
        }
        return out.append(value);
    }
}
