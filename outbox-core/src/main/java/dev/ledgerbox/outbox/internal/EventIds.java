package dev.ledgerbox.outbox.internal;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Event ids: UUID version 7 (RFC 9562), time-ordered so that new rows land at the right edge of
 * the primary-key index. Thread-safe.
 */
final class EventIds {

    private EventIds() {}

    public static UUID next(long epochMillis) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long msb = (epochMillis & 0xFFFF_FFFF_FFFFL) << 16 // 48-bit timestamp
                | 0x7000L // version 7
                | (random.nextInt() & 0x0FFFL); // 12 random bits
        long lsb = 0x8000_0000_0000_0000L // IETF variant
                | (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL); // 62 random bits
        return new UUID(msb, lsb);
    }
}
