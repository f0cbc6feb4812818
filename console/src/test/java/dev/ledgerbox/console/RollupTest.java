package dev.ledgerbox.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.console.ConsoleSettings.HealthThresholds;
import dev.ledgerbox.console.Rollup.Cell;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The rollups hold what the raw rows hold, minute by minute; percentiles; health statuses. */
class RollupTest {

    private static final String ENDPOINT = "00000000-0000-0000-0000-0000000000e1";
    private final Rollup rollup = new Rollup(ConsoleFixture.db());
    private final Instant now = Instant.now().truncatedTo(ChronoUnit.MINUTES).plusSeconds(30);

    @BeforeEach
    void empty() throws SQLException {
        ConsoleFixture.clear();
        ConsoleFixture.sql()
                .execute("INSERT INTO webhook_endpoint (id, url, event_types) VALUES ('" + ENDPOINT
                        + "', 'https://hooks.example.com/r', '{*}');"
                        + " INSERT INTO webhook_message (event_id, type, aggregatetype, aggregateid, aggregate_seq, body,"
                        + " occurred_at) VALUES ('00000000-0000-0000-0000-0000000000a1', 'order.created', 'order', '1', 1,"
                        + " '{}', now()), ('00000000-0000-0000-0000-0000000000a2', 'order.paid', 'order', '1', 2, '{}', now());"
                        + " INSERT INTO webhook_delivery (id, event_id, endpoint_id, aggregatetype, aggregateid,"
                        + " aggregate_seq) VALUES (1, '00000000-0000-0000-0000-0000000000a1', '" + ENDPOINT
                        + "', 'order', '1', 1), (2, '00000000-0000-0000-0000-0000000000a2', '" + ENDPOINT
                        + "', 'order', '1', 2)");
    }

    /** One attempt {@code ago} before now, of delivery 1 (order.created) or 2 (order.paid). */
    private static long attempt(Instant at, int delivery, Integer durationMs, String outcome) throws SQLException {
        try (Connection c = ConsoleFixture.db().getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO webhook_attempt (delivery_id, event_id, endpoint_id, attempt, request_url,"
                                + " request_headers, request_body_sha256, request_bytes, requested_at, duration_ms, outcome)"
                                + " VALUES (?, ?::uuid, ?::uuid, 1, 'https://hooks.example.com/r', '{}', repeat('0', 64), 2,"
                                + " ?, ?, ?) RETURNING id")) {
            ps.setInt(1, delivery);
            ps.setString(2, "00000000-0000-0000-0000-0000000000a" + delivery);
            ps.setString(3, ENDPOINT);
            ps.setTimestamp(4, Timestamp.from(at));
            ps.setObject(5, durationMs);
            ps.setString(6, outcome);
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private Cell total(Instant from, Instant to) throws SQLException {
        Cell minutes = Analytics.total(rollup.attempts(from, to, false));
        Cell quarters = Analytics.total(rollup.attempts(from, to, true));
        assertThat(quarters.attempts).isEqualTo(minutes.attempts);
        assertThat(quarters.delivered).isEqualTo(minutes.delivered);
        assertThat(quarters.unfinished).isEqualTo(minutes.unfinished);
        assertThat(quarters.latency).isEqualTo(minutes.latency);
        return minutes;
    }

    @Test
    void theRolledUpFiguresEqualTheRawOnesAndUnfinishedMinutesAreRolledUpAgain() throws Exception {
        Instant start = now.minus(Duration.ofHours(8)); // more than one chunk of six hours
        attempt(start, 1, 3, "DELIVERED");
        attempt(now.minus(Duration.ofMinutes(30)), 1, 40, "DELIVERED");
        attempt(now.minus(Duration.ofMinutes(30)), 2, 700, "RETRY");
        attempt(now.minus(Duration.ofMinutes(30)), 2, 12_000, "DEAD");
        long inFlight = attempt(now.minus(Duration.ofMinutes(3)), 1, null, null);
        attempt(now.minusSeconds(10), 2, 20, "DELIVERED"); // this minute: not rolled up, read raw

        Cell raw = total(start.minusSeconds(60), now);
        assertThat(rollup.catchUp(now)).isPositive();
        assertThat(ConsoleFixture.sql()
                        .query("SELECT count(*) AS n FROM console_attempt_minute")
                        .get(0)
                        .get("n"))
                .isEqualTo("4"); // 8 h ago; 30 min ago per type (2); 3 min ago
        Cell rolled = total(start.minusSeconds(60), now);
        assertThat(rolled.attempts).isEqualTo(raw.attempts).isEqualTo(6);
        assertThat(rolled.delivered).isEqualTo(raw.delivered).isEqualTo(3);
        assertThat(rolled.retried).isEqualTo(1);
        assertThat(rolled.dead).isEqualTo(1);
        assertThat(rolled.unfinished).isEqualTo(1);
        assertThat(rolled.latency).isEqualTo(raw.latency);
        assertThat(Rollup.percentile(rolled.latency, 0.5)).isEqualTo(50); // 3, 20, 40 | 700, 12000
        assertThat(Rollup.percentile(rolled.latency, 0.99)).isEqualTo(15_000);

        // the attempt in flight finishes: its minute is rolled up again
        ConsoleFixture.sql()
                .execute("UPDATE webhook_attempt SET outcome = 'DELIVERED', duration_ms = 90 WHERE id = " + inFlight);
        rollup.catchUp(now.plusSeconds(5));
        Cell after = total(start.minusSeconds(60), now);
        assertThat(after.unfinished).isZero();
        assertThat(after.delivered).isEqualTo(4);
        // a second pass with nothing new changes nothing
        rollup.catchUp(now.plusSeconds(10));
        assertThat(total(start.minusSeconds(60), now).attempts).isEqualTo(6);
    }

    @Test
    void eventsAreCountedPerMinuteFromTheOutbox() throws Exception {
        ConsoleFixture.write("order", "1", "order.created", Map.of("id", 1), "c-1");
        ConsoleFixture.write("order", "2", "order.created", Map.of("id", 2), "c-2");
        Instant later = Instant.now().plus(Duration.ofMinutes(2));
        rollup.catchUp(later);
        assertThat(rollup.events(later.minus(Duration.ofHours(1)), later))
                .extracting(Rollup.EventCount::events)
                .containsExactly(2L);
    }

    @Test
    void anotherInstanceRollingUpIsLeftAlone() throws Exception {
        attempt(now.minus(Duration.ofMinutes(5)), 1, 3, "DELIVERED");
        try (Connection c = ConsoleFixture.db().getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_advisory_xact_lock(" + 0x4c65_6467_6572_626fL + ")");
            }
            assertThat(rollup.catchUp(now)).isEqualTo(-1);
            c.rollback();
        }
        assertThat(rollup.catchUp(now)).isEqualTo(1);
    }

    private static final HealthThresholds TH = new HealthThresholds(
            Duration.ofMinutes(15), 0.95, 0.5, Duration.ofSeconds(2), Duration.ofSeconds(10), 1, 10);

    private static Cell cell(long delivered, long failed, int bucket) {
        Cell c = new Cell(null, null, null);
        c.attempts = delivered + failed;
        c.delivered = delivered;
        c.retried = failed;
        c.latency[bucket] = c.attempts;
        return c;
    }

    @Test
    void healthFollowsTheThresholds() {
        int fast = 2; // up to 25 ms
        assertThat(Analytics.Health.of(cell(100, 0, fast), 0, "CLOSED", true, TH)
                        .status())
                .isEqualTo("healthy");
        assertThat(Analytics.Health.of(cell(100, 0, fast), 0, "CLOSED", true, TH)
                        .score())
                .isEqualTo(1.0);
        Analytics.Health degraded = Analytics.Health.of(cell(90, 10, fast), 0, "CLOSED", true, TH);
        assertThat(degraded.status()).isEqualTo("degraded");
        assertThat(degraded.reasons()).containsExactly("success rate 90.0 % under 95.0 %");
        Analytics.Health critical = Analytics.Health.of(cell(30, 70, fast), 0, "CLOSED", true, TH);
        assertThat(critical.status()).isEqualTo("critical");
        assertThat(critical.score()).isLessThan(degraded.score());
        int slow = 14; // from 2000 up to 3000 ms
        assertThat(Analytics.Health.of(cell(100, 0, slow), 0, "CLOSED", true, TH)
                        .reasons())
                .containsExactly("p95 latency 3000 ms over 2000 ms");
        assertThat(Analytics.Health.of(cell(100, 0, fast), 3, "CLOSED", true, TH)
                        .reasons())
                .containsExactly("3 dead letters");
        Analytics.Health open = Analytics.Health.of(cell(100, 0, fast), 0, "OPEN", true, TH);
        assertThat(open.status()).isEqualTo("critical");
        assertThat(open.score()).isLessThanOrEqualTo(0.1);
        assertThat(Analytics.Health.of(new Cell(null, null, null), 0, null, false, TH)
                        .reasons())
                .containsExactly("disabled", "no attempts in the window");
    }

    @Test
    void bucketsAreReadFromTheirText() {
        long[] buckets = new long[4];
        Rollup.parseBuckets("{1,0,30,12345}", buckets);
        assertThat(buckets).containsExactly(1, 0, 30, 12345);
        long[] empty = new long[2];
        Rollup.parseBuckets("{}", empty);
        assertThat(empty).containsExactly(0, 0);
    }

    @Test
    void percentilesAreTheUpperBoundOfTheirBucket() {
        long[] latency = new long[Rollup.BOUNDS_MS.length + 1];
        assertThat(Rollup.percentile(latency, 0.5)).isNull();
        latency[0] = 99; // under 5 ms
        latency[Rollup.BOUNDS_MS.length] = 1; // 300 s or more
        assertThat(Rollup.percentile(latency, 0.5)).isEqualTo(5);
        assertThat(Rollup.percentile(latency, 0.99)).isEqualTo(5);
        assertThat(Rollup.percentile(latency, 1.0)).isEqualTo(300_000);
        assertThat(List.of(Rollup.BOUNDS_MS[0], Rollup.BOUNDS_MS[Rollup.BOUNDS_MS.length - 1]))
                .containsExactly(5, 300_000);
    }
}
