package dev.ledgerbox.outbox.it;

/** Payloads that cannot be written. */
public final class Payloads {
    private Payloads() {}

    public record Bulk(long id, String text) {}

    public static final class Unserialisable {
        public long getId() {
            return 1;
        }

        public String getName() {
            throw new IllegalStateException("not loaded");
        }
    }
}
