package dev.ledgerbox.outbound;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ids of calls and attempts: time-ordered UUIDs (version 7, RFC 9562: milliseconds since the epoch,
 * then random bits), so that the primary key index of {@code outbound_attempt} grows at its right
 * edge like a sequence's; random bits from {@link ThreadLocalRandom}, not {@code SecureRandom}, whose
 * one lock every calling thread would queue on. They identify rows; they are not secrets.
 */
final class Ids {

    private Ids() {}

    static UUID timeOrdered() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long millis = System.currentTimeMillis();
        long high = (millis << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
        long low = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(high, low);
    }

    /** A random (version 4) UUID, for generated correlation ids. */
    static UUID random() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & 0xFFFF_FFFF_FFFF_0FFFL) | 0x4000L;
        long low = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(high, low);
    }
}
