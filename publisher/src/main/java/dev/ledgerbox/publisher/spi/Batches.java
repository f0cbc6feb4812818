package dev.ledgerbox.publisher.spi;

import java.sql.SQLException;

/** Work on a table in bounded batches (retention purges), so that no statement holds many rows at once. Stateless. */
public final class Batches {

    /** One batch: a statement that handles up to a batch's rows and returns how many it did. */
    public interface Batch {
        int run() throws SQLException;
    }

    private Batches() {}

    /**
     * Runs {@code batch} until it handles fewer than {@code size} rows, at most {@code rounds}
     * times (the rest waits for the next call); returns how many rows in all.
     */
    public static int repeat(int size, int rounds, Batch batch) throws SQLException {
        int total = 0;
        for (int i = 0; i < rounds; i++) {
            int n = batch.run();
            total += n;
            if (n < size) {
                break;
            }
        }
        return total;
    }
}
