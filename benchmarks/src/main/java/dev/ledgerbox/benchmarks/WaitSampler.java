package dev.ledgerbox.benchmarks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;

/**
 * What the database's client sessions were doing while each variant ran: every few milliseconds
 * one read of {@code pg_stat_activity}, each active session counted under its wait event (or "on
 * CPU" when it waits for nothing), attributed to the variant running then. A diagnostic (argument
 * {@code waits=true}): the reads cost the database a little CPU of their own.
 */
final class WaitSampler implements Runnable {

    private static final String SESSIONS = "SELECT coalesce(wait_event_type || ':' || wait_event, 'on CPU')"
            + " FROM pg_stat_activity WHERE backend_type = 'client backend' AND state = 'active'"
            + " AND pid <> pg_backend_pid()";
    private static final long EVERY_MS = 5;

    private final DataSource db;
    private final Map<String, Map<String, Long>> counts = new ConcurrentHashMap<>();
    private final Map<String, Long> samples = new ConcurrentHashMap<>();
    private volatile String variant;
    private volatile boolean running = true;
    private final Thread thread;

    private WaitSampler(DataSource db) {
        this.db = db;
        this.thread = new Thread(this, "wait-sampler");
        this.thread.setDaemon(true);
    }

    static WaitSampler start(DataSource db) {
        WaitSampler sampler = new WaitSampler(db);
        sampler.thread.start();
        return sampler;
    }

    /** The variant that runs from now on; null between variants (those samples are not kept). */
    void attribute(String name) {
        variant = name;
    }

    @Override
    public void run() {
        while (running) {
            try (Connection c = db.getConnection();
                    PreparedStatement s = c.prepareStatement(SESSIONS)) { // planned once, not per read
                while (running) {
                    String name = variant;
                    if (name != null) {
                        Map<String, Long> mine = counts.computeIfAbsent(name, k -> new ConcurrentHashMap<>());
                        try (ResultSet rs = s.executeQuery()) {
                            while (rs.next()) {
                                mine.merge(rs.getString(1), 1L, Long::sum);
                            }
                        }
                        samples.merge(name, 1L, Long::sum);
                    }
                    Thread.sleep(EVERY_MS);
                }
            } catch (SQLException e) {
                pause(); // the server restarts between modes; the pool's next connection is good
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops sampling and prints each variant's most frequent states, as sessions on average. */
    void stopAndPrint(int top) throws InterruptedException {
        running = false;
        thread.join();
        System.out.println(
                "  active sessions by wait event (average over the samples; 'on CPU': waiting for nothing):");
        counts.forEach((name, events) -> {
            long n = samples.getOrDefault(name, 1L);
            Map<String, Long> sorted = new LinkedHashMap<>();
            events.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
                    .limit(top)
                    .forEach(e -> sorted.put(e.getKey(), e.getValue()));
            StringBuilder line = new StringBuilder();
            sorted.forEach((event, c) -> line.append(String.format(Locale.ROOT, "%s %.2f, ", event, (double) c / n)));
            System.out.printf(Locale.ROOT, "    %-40s %s(%d samples)%n", name, line, n);
        });
    }
}
