package dev.ledgerbox.publisher.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.outbox.spi.TraceContext;
import dev.ledgerbox.publisher.spi.Outcome;
import dev.ledgerbox.publisher.spi.WorkContext;
import dev.ledgerbox.publisher.spi.WorkQueue;
import dev.ledgerbox.publisher.spi.WorkResult;
import dev.ledgerbox.testing.Await;
import dev.ledgerbox.testing.EmbeddedDatabase;
import dev.ledgerbox.testing.MutableClock;
import dev.ledgerbox.testing.SqlRows;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A third kind of work, defined in this test only: rows of {@code test_job}, claimed, worked and
 * recorded by the engine without a line of the engine changed. Time is the test's clock: retries
 * come due when the test moves it, not when the test sleeps.
 */
class WorkEngineTest {

    /** One claimed job. */
    record Job(long id, String name, int attempt) {}

    /** The test-only queue kind: a table with a status, a lease and a due time, as the SPI asks. */
    static final class JobQueue implements WorkQueue<Job> {
        final DataSource db;
        volatile Function<Job, Outcome> work = j -> Outcome.DELIVERED;
        final Map<Object, AtomicInteger> running = new ConcurrentHashMap<>();
        final AtomicInteger mostAtOnce = new AtomicInteger();
        /** When each job's work returned (System.nanoTime), and how long after that each was recorded. */
        final Map<Long, Long> workEnded = new ConcurrentHashMap<>();

        final List<Long> endToRecordNanos = java.util.Collections.synchronizedList(new ArrayList<>());

        JobQueue(DataSource db) {
            this.db = db;
        }

        @Override
        public String name() {
            return "test-job";
        }

        /** When set, the next claim waits for it to open before it looks. */
        volatile CountDownLatch claimGate;

        final AtomicInteger claims = new AtomicInteger();
        final AtomicInteger looks = new AtomicInteger();

        @Override
        public List<Job> claim(Claim claim) throws SQLException {
            claims.incrementAndGet();
            CountDownLatch gate = claimGate;
            if (gate != null) {
                claimGate = null;
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            try (Connection c = db.getConnection();
                    PreparedStatement ps = c.prepareStatement(
                            """
                            UPDATE test_job SET status = 'CLAIMED', claimed_by = ?, attempts = attempts + 1,
                                   next_attempt_at = ?::timestamptz + ? * interval '1 millisecond'
                            WHERE id IN (SELECT id FROM test_job
                                         WHERE status IN ('PENDING', 'FAILED', 'CLAIMED') AND next_attempt_at <= ?
                                         ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED)
                            RETURNING id, name, attempts
                            """)) {
                ps.setString(1, claim.owner());
                ps.setTimestamp(2, Timestamp.from(claim.now()));
                ps.setLong(3, claim.lease().toMillis());
                ps.setTimestamp(4, Timestamp.from(claim.now()));
                ps.setInt(5, claim.max());
                List<Job> jobs = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        jobs.add(new Job(rs.getLong(1), rs.getString(2), rs.getInt(3)));
                    }
                }
                return jobs;
            }
        }

        @Override
        public Outcome work(Job job) throws Exception {
            try {
                return workInLane(job);
            } finally {
                workEnded.put(job.id(), System.nanoTime());
            }
        }

        private Outcome workInLane(Job job) {
            if (lane(job) == null) {
                return work.apply(job);
            }
            AtomicInteger lane = running.computeIfAbsent(lane(job), k -> new AtomicInteger());
            mostAtOnce.accumulateAndGet(lane.incrementAndGet(), Math::max);
            try {
                return work.apply(job);
            } finally {
                lane.decrementAndGet();
            }
        }

        /** When set, recordings wait for it to open. */
        volatile CountDownLatch recordGate;

        @Override
        public void record(String owner, List<WorkResult<Job>> results) throws SQLException {
            recordRows(owner, results);
            recordedAlone.addAndGet(results.size());
        }

        private void recordRows(String owner, List<WorkResult<Job>> results) throws SQLException {
            CountDownLatch gate = recordGate;
            if (gate != null) {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            long now = System.nanoTime();
            for (WorkResult<Job> r : results) {
                Long ended = workEnded.remove(r.work().id());
                if (ended != null) {
                    endToRecordNanos.add(now - ended);
                }
            }
            try (Connection c = db.getConnection();
                    PreparedStatement ps = c.prepareStatement(
                            """
                            UPDATE test_job SET status = ?, next_attempt_at = coalesce(?, next_attempt_at),
                                   last_error = ?, claimed_by = NULL,
                                   attempts = attempts - CASE WHEN ? THEN 1 ELSE 0 END
                            WHERE id = ? AND claimed_by = ?
                            """)) {
                for (WorkResult<Job> r : results) {
                    String status = "DONE";
                    String error = null;
                    boolean givenBack = false;
                    if (r.outcome() instanceof Outcome.Retry retry) {
                        status = "FAILED";
                        error = retry.reason();
                    } else if (r.outcome() instanceof Outcome.Dead dead) {
                        status = "DEAD";
                        error = dead.reason();
                    } else if (r.outcome() instanceof Outcome.GiveBack back) {
                        status = "PENDING";
                        error = back.reason();
                        givenBack = true;
                    }
                    ps.setString(1, status);
                    Instant due = givenBack ? r.finishedAt() : r.retryAt(); // given back: due again at once
                    ps.setTimestamp(2, due == null ? null : Timestamp.from(due));
                    ps.setString(3, error);
                    ps.setBoolean(4, givenBack);
                    ps.setLong(5, r.work().id());
                    ps.setString(6, owner);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }

        /** Whether it records in the claims ({@link #recordsInTheClaim}); false as most queues. */
        volatile boolean inTheClaim;

        /** Outcomes recorded in a claim's call, and on their own. */
        final AtomicInteger recordedInClaims = new AtomicInteger();

        final AtomicInteger recordedAlone = new AtomicInteger();
        /** When set, the next call to record in a claim fails, recording nothing and claiming nothing. */
        volatile boolean failNextRecordInAClaim;

        @Override
        public boolean recordsInTheClaim() {
            return inTheClaim;
        }

        @Override
        public List<Job> recordAndClaim(List<WorkResult<Job>> results, Claim claim) throws SQLException {
            if (failNextRecordInAClaim) {
                failNextRecordInAClaim = false;
                throw new SQLException("the connection broke");
            }
            recordRows(claim.owner(), results);
            recordedInClaims.addAndGet(results.size());
            return claim(claim);
        }

        @Override
        public int attempt(Job job) {
            return job.attempt();
        }

        @Override
        public WorkContext context(Job job) {
            return new WorkContext("job-" + job.id(), null, TraceContext.NONE, "job " + job.name());
        }

        @Override
        public Object lane(Job job) {
            return job.name().startsWith("lane:") ? job.name() : null;
        }

        @Override
        public int laneLimit(Job job) {
            return 2;
        }

        /** Run when the engine says it sleeps, after the queue looked for due jobs; none: no look. */
        volatile Runnable onSleeping;

        volatile Duration unannounced = Duration.ZERO;

        @Override
        public boolean sleeping(String owner) throws SQLException {
            Runnable hook = onSleeping;
            if (hook == null) {
                return false;
            }
            boolean due;
            try (Connection c = db.getConnection();
                    PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM test_job"
                            + " WHERE status IN ('PENDING', 'FAILED') AND next_attempt_at <= now())");
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                due = rs.getBoolean(1);
            }
            hook.run();
            return due;
        }

        @Override
        public Duration unannouncedAfterSleeping() {
            return unannounced;
        }

        @Override
        public boolean due() throws SQLException {
            looks.incrementAndGet();
            try (Connection c = db.getConnection();
                    PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM test_job"
                            + " WHERE status IN ('PENDING', 'FAILED') AND next_attempt_at <= now())");
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    final DataSource db = EmbeddedDatabase.shared().dataSource();
    final SqlRows sql = new SqlRows(db);
    final MutableClock clock = new MutableClock();
    final JobQueue queue = new JobQueue(db);
    WorkEngine<Job> engine;

    @BeforeEach
    void aFreshJobTable() throws SQLException {
        sql.execute("DROP TABLE IF EXISTS test_job");
        sql.execute(
                """
                CREATE TABLE test_job (
                    id bigserial PRIMARY KEY, name text NOT NULL, status text NOT NULL DEFAULT 'PENDING',
                    attempts int NOT NULL DEFAULT 0, next_attempt_at timestamptz NOT NULL DEFAULT now(),
                    claimed_by text, last_error text)
                """);
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (engine != null) {
            engine.stop(Duration.ofSeconds(10));
        }
    }

    void start(WorkEngine.Builder<Job> builder) {
        engine = builder.clock(clock)
                .pollInterval(Duration.ofMinutes(10)) // only wake() or work in hand makes it look again
                .retryPolicy(new RetryPolicy(
                        List.of(Duration.ofSeconds(10), Duration.ofSeconds(20)), 0.2, Duration.ofHours(1), () -> 0.5))
                .build();
        engine.start();
    }

    void jobs(String... names) throws SQLException {
        for (String name : names) {
            sql.query(
                    "INSERT INTO test_job (name, next_attempt_at) VALUES (?, ?) RETURNING id",
                    name,
                    Timestamp.from(clock.instant()));
        }
    }

    String status(String name) {
        try {
            List<Map<String, Object>> rows = sql.query("SELECT status FROM test_job WHERE name = ?", name);
            return rows.isEmpty() ? null : (String) rows.get(0).get("status");
        } catch (SQLException e) {
            return null;
        }
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Await.until(what, condition);
    }

    @Test
    void aKindOfWorkTheEngineNeverHeardOfIsClaimedWorkedAndRecorded() throws Exception {
        jobs("a", "b", "c");
        start(WorkEngine.builder(queue).owner("test").batchSize(2));
        engine.wake();
        await("every job is done", () -> List.of("a", "b", "c").stream().allMatch(n -> "DONE".equals(status(n))));
        assertThat(sql.query("SELECT count(*) AS n FROM test_job WHERE claimed_by IS NOT NULL")
                        .get(0)
                        .get("n"))
                .isEqualTo("0");
    }

    /**
     * Work may become due without a wake-up for a moment after the engine said it sleeps (the
     * outbox's writers trust an earlier look at who sleeps for that long): the engine looks once
     * more when the moment is over instead of sleeping its whole poll interval (ten minutes here).
     */
    @Test
    void looksOnceMoreWhenWorkMayHaveComeUnannounced() throws Exception {
        queue.unannounced = Duration.ofMillis(300);
        AtomicInteger told = new AtomicInteger();
        queue.onSleeping = () -> {
            if (told.incrementAndGet() == 1) { // commits after the first look, and nothing wakes the engine
                try {
                    jobs("unannounced");
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        start(WorkEngine.builder(queue).owner("test"));

        await("the unannounced job is done", () -> "DONE".equals(status("unannounced")));
    }

    /**
     * For a moment after it found work (the queue's unannounced time) the engine does not sleep: it
     * looks every few milliseconds whether more is due, with a read rather than a claim, and takes
     * what comes without a wake-up. Nothing tells it here (no wake-up, a poll interval of ten
     * minutes, a queue that does not look when told of a sleep).
     */
    @Test
    void forAMomentAfterItFoundWorkTheEngineLooksWhetherMoreIsDueWithoutClaiming() throws Exception {
        queue.unannounced = Duration.ofSeconds(3);
        jobs("first");
        start(WorkEngine.builder(queue).owner("test"));
        engine.wake();
        await("the first job is done", () -> "DONE".equals(status("first")));
        Thread.sleep(50); // the claims that follow a recording
        int claimsBefore = queue.claims.get();
        int looksBefore = queue.looks.get();
        Thread.sleep(300);
        int claimsWhileNothingWasDue = queue.claims.get() - claimsBefore;
        int looks = queue.looks.get() - looksBefore;

        jobs("second");
        await("the second job is done", () -> "DONE".equals(status("second")));

        assertThat(looks).as("looks in 300 ms").isGreaterThanOrEqualTo(10);
        assertThat(claimsWhileNothingWasDue).as("claims while nothing was due").isZero();
    }

    /**
     * A stop that comes while a claim is under way: what that claim brings is still worked and
     * recorded, and the stop returns once it is, not at the end of its grace.
     */
    @Test
    void workClaimedAsTheEngineStopsIsRecordedAndTheStopReturnsWhenItIs() throws Exception {
        start(WorkEngine.builder(queue).owner("test"));
        Thread.sleep(200); // asleep: its first claim found nothing
        jobs("late");
        CountDownLatch gate = new CountDownLatch(1);
        queue.claimGate = gate;
        engine.wake();
        Await.until("the claim is under way", () -> queue.claimGate == null);

        long started = System.nanoTime();
        Thread stopping = new Thread(() -> {
            try {
                engine.stop(Duration.ofSeconds(20));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        stopping.start();
        Thread.sleep(300); // the stop has begun; the recorder has looked more than once
        gate.countDown();
        stopping.join();
        long millis = (System.nanoTime() - started) / 1_000_000;

        assertThat(status("late")).as("recorded, not left claimed").isEqualTo("DONE");
        assertThat(millis).as("milliseconds the stop took (grace: 20 s)").isLessThan(10_000);
    }

    @Test
    void retriesComeDueOnTheEnginesClockAndTheLastAttemptDeadLetters() throws Exception {
        queue.work = j -> Outcome.retry("not yet");
        jobs("flaky");
        Instant start = clock.instant();
        start(WorkEngine.builder(queue).owner("test"));
        engine.wake();
        await("the first attempt failed", () -> "FAILED".equals(status("flaky")));
        Instant due =
                Instant.ofEpochMilli((long) Double.parseDouble(rows("extract(epoch FROM next_attempt_at) * 1000")));
        assertThat(Duration.between(start, due)).isBetween(Duration.ofSeconds(10), Duration.ofSeconds(11));

        clock.advance(Duration.ofSeconds(11));
        engine.wake();
        await("the second attempt failed", () -> rows("attempts").equals("2") && "FAILED".equals(status("flaky")));

        clock.advance(Duration.ofSeconds(21));
        engine.wake();
        await("the job is dead", () -> "DEAD".equals(status("flaky")));
        assertThat(rows("last_error")).isEqualTo("gave up after 3 attempts: not yet");
    }

    @Test
    void workGivenBackIsNotCountedAsAnAttempt() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        queue.work = j -> calls.incrementAndGet() == 1 ? Outcome.giveBack("circuit open") : Outcome.DELIVERED;
        jobs("later");
        start(WorkEngine.builder(queue).owner("test"));
        engine.wake();
        await("the job is done", () -> "DONE".equals(status("later")));
        assertThat(calls.get()).isEqualTo(2);
        assertThat(rows("attempts")).isEqualTo("1");
    }

    @Test
    void aLaneRunsAtMostItsLimitAtOnceWhileWorkOutsideItGoesOn() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        queue.work = laneWorkHangingUntil(release, Duration.ofSeconds(30));
        jobs("lane:x", "lane:x", "lane:x", "lane:x", "free-1", "free-2");
        start(WorkEngine.builder(queue).owner("test").concurrency(4).batchSize(10));
        engine.wake();
        await(
                "the work outside the lane is done",
                () -> "DONE".equals(status("free-1")) && "DONE".equals(status("free-2")));
        assertThat(queue.running.get("lane:x").get())
                .as("the lane's slots in use")
                .isEqualTo(2);
        release.countDown();
        await("the lane is done", () -> rows("count(*) FILTER (WHERE status = 'DONE')")
                .equals("6"));
        assertThat(queue.mostAtOnce.get()).isEqualTo(2);
    }

    /**
     * A lane whose work hangs (an endpoint that never answers) holds its own slots only: once its
     * pieces have run past {@code slowAfter}, the engine's pool starts workers beside them, and
     * work of other lanes goes on although the hanging pieces took every one of {@code
     * concurrency} workers.
     */
    @Test
    void workThatHangsTakesNoWorkerFromTheRestOnceItIsSlow() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        queue.work = laneWorkHangingUntil(release, Duration.ofSeconds(60));
        jobs("lane:hangs", "lane:hangs");
        start(WorkEngine.builder(queue)
                .owner("test")
                .concurrency(2)
                .batchSize(10)
                .slowAfter(Duration.ofMillis(200)));
        try {
            engine.wake();
            await(
                    "both workers hang",
                    () -> engine.inHand() == 2
                            && queue.running.containsKey("lane:hangs")
                            && queue.running.get("lane:hangs").get() == 2);
            long started = System.nanoTime();
            jobs("free-1", "free-2", "free-3");
            engine.wake();
            await("the other work is done while the lane hangs", () -> List.of("free-1", "free-2", "free-3").stream()
                    .allMatch(n -> "DONE".equals(status(n))));
            assertThat((System.nanoTime() - started) / 1_000_000)
                    .as("milliseconds until the other work was done (the hanging work holds on for 60 s)")
                    .isLessThan(10_000);
            assertThat(queue.running.get("lane:hangs").get()).isEqualTo(2);
        } finally {
            release.countDown();
        }
        await("the lane is done", () -> rows("count(*) FILTER (WHERE status = 'DONE')")
                .equals("5"));
    }

    /**
     * Finished work whose outcome waits for the recorder does not hold back the next claim: only
     * work not done yet counts against the two batches, and everything in hand against four. Counted
     * against the two, it left the workers without work while a claim waited for a recording (a
     * tenth of two cores idle while webhooks drained). Here the recordings wait, and the claims go
     * on until four batches are in hand, and no further.
     */
    @Test
    void outcomesWaitingToBeRecordedDoNotStopTheClaimsBeforeFourBatchesAreInHand() throws Exception {
        CountDownLatch recordings = new CountDownLatch(1);
        queue.recordGate = recordings;
        String[] names = new String[20];
        for (int i = 0; i < names.length; i++) {
            names[i] = "job-" + i;
        }
        jobs(names);
        start(WorkEngine.builder(queue).owner("test").concurrency(2).batchSize(2));
        try {
            engine.wake();
            await("four batches in hand, their work done", () -> engine.inHand() == 8 && queue.workEnded.size() == 8);
            Thread.sleep(500); // a claim that could come would come now
            assertThat(engine.inHand()).as("pieces in hand").isEqualTo(8);
            assertThat(queue.workEnded).as("pieces worked").hasSize(8);
        } finally {
            recordings.countDown();
        }
        await("every job is done", () -> rows("count(*) FILTER (WHERE status = 'DONE')")
                .equals("20"));
    }

    /**
     * For a queue that records in the claim, while no backlog lasts the outcomes wait a few
     * milliseconds for the next claim, which records them in its transaction (one commit where there
     * are two). Here each job's work adds the next and wakes the engine, as a commit does: every
     * outcome is recorded once, most of them in the claim that came next.
     */
    @Test
    void outcomesAreRecordedInTheNextClaimWhileNoBacklogLasts() throws Exception {
        queue.inTheClaim = true;
        AtomicInteger added = new AtomicInteger(1);
        queue.work = addingTheNextWhile(() -> added.get() < 20, added);
        jobs("job-1");
        start(WorkEngine.builder(queue).owner("test").concurrency(2).batchSize(4));
        engine.wake();
        await("every job is done", () -> rows("count(*) FILTER (WHERE status = 'DONE')")
                .equals("20"));
        await("nothing in hand", () -> engine.inHand() == 0);
        assertThat(queue.recordedInClaims.get() + queue.recordedAlone.get())
                .as("outcomes recorded")
                .isEqualTo(20);
        assertThat(queue.recordedInClaims.get())
                .as("outcomes recorded in a claim")
                .isGreaterThan(0);
        assertThat(rows("max(attempts)")).as("attempts of any job").isEqualTo("1");
    }

    /**
     * A claim that fails with the outcomes it took gives them back: the recorder records them. Jobs
     * come one after the other until a claim took outcomes (and failed).
     */
    @Test
    void outcomesAClaimFailedToRecordAreRecordedByTheRecorder() throws Exception {
        queue.inTheClaim = true;
        queue.failNextRecordInAClaim = true;
        AtomicInteger added = new AtomicInteger(1);
        queue.work = addingTheNextWhile(() -> queue.failNextRecordInAClaim && added.get() < 50, added);
        jobs("job-1");
        start(WorkEngine.builder(queue).owner("test").concurrency(2).batchSize(4));
        engine.wake();
        await("a claim failed with outcomes", () -> !queue.failNextRecordInAClaim);
        await("every job is done", () -> rows("count(*) FILTER (WHERE status <> 'DONE')")
                .equals("0"));
        await("nothing in hand", () -> engine.inHand() == 0);
        assertThat(queue.recordedInClaims.get() + queue.recordedAlone.get())
                .as("outcomes recorded")
                .isEqualTo(added.get());
    }

    /**
     * The recorder gathers outcomes for a few milliseconds while work of the same claims still runs
     * (one transaction for many); work that has run far longer than that is not about to join, and
     * is not waited for. Waiting for it held back every recording while one piece hung, and with
     * each recording the next claim: a healthy webhook endpoint lost ~8 % beside a hanging one.
     * Here each job is claimed alone and waits for the last one's recording; waiting for the hanging
     * job, every recording came at least the gathering's 5 ms after the work it records.
     */
    @Test
    void recordingsDoNotWaitForWorkThatHangs() throws Exception {
        recordingsBesideWorkThatHangs(WorkEngine.builder(queue).concurrency(2));
    }

    @Test
    void recordingsDoNotWaitForWorkThatHangsOnAnExecutorHandedIn() throws Exception {
        ExecutorService executor = Executors.newFixedThreadPool(2);
        try {
            recordingsBesideWorkThatHangs(WorkEngine.builder(queue).executor(executor));
        } finally {
            executor.shutdownNow();
        }
    }

    private void recordingsBesideWorkThatHangs(WorkEngine.Builder<Job> builder) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        queue.work = job -> {
            if (job.name().equals("hangs")) {
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return Outcome.DELIVERED;
        };
        start(builder.owner("test")
                .batchSize(1) // with the hanging job in hand, one job at a time
                .slowAfter(Duration.ofMinutes(1))); // not slow: only the gathering is looked at here
        try {
            jobs("hangs");
            engine.wake();
            await("the hanging job runs", () -> engine.inHand() == 1);
            Thread.sleep(300); // older than what the recorder waits for, and seen so
            queue.endToRecordNanos.clear();
            String[] names = new String[100];
            for (int i = 0; i < names.length; i++) {
                names[i] = "beside-" + i;
            }
            jobs(names);
            engine.wake();
            await(
                    "the jobs beside the hanging one are done",
                    () -> rows("count(*) FILTER (WHERE status = 'DONE' AND name LIKE 'beside-%')")
                            .equals("100"));
            List<Long> millis = queue.endToRecordNanos.stream()
                    .map(n -> n / 1_000_000)
                    .sorted()
                    .toList();
            assertThat(millis).hasSize(100);
            assertThat(millis.get(10))
                    .as("the tenth-fastest milliseconds from a job's end to its recording, of %s", millis)
                    .isLessThan(4);
        } finally {
            release.countDown();
        }
    }

    /**
     * Pieces waiting for a slot of a lane whose work hangs are not counted against the two batches
     * in hand (the queue bounds each lane): with batches of two, a hanging lane holding four pieces
     * (two running, two waiting) would otherwise stop every claim until it ended.
     */
    @Test
    void piecesWaitingForAHangingLaneDoNotStopTheClaimsForTheRest() throws Exception {
        otherWorkGoesOnWhileLanesHang(Map.of("lane:hangs", 4), Map.of("lane:hangs", 2));
    }

    /**
     * Pieces of lanes running past {@code slowAfter} are not counted against the two batches in
     * hand either: with batches of two, two lanes hanging with two pieces each would otherwise stop
     * every claim until they ended.
     */
    @Test
    void lanesHangingTogetherDoNotStopTheClaimsForTheRestOnceTheirWorkIsSlow() throws Exception {
        otherWorkGoesOnWhileLanesHang(Map.of("lane:a", 2, "lane:b", 2), Map.of("lane:a", 2, "lane:b", 2));
    }

    /**
     * With batches of two (four in hand) and lanes of two slots: claims {@code claimed} pieces of
     * lanes that hang, waits until {@code running} of them run, then expects three more pieces
     * outside the lanes to be claimed and done while the lanes still hang.
     */
    private void otherWorkGoesOnWhileLanesHang(Map<String, Integer> claimed, Map<String, Integer> running)
            throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        queue.work = laneWorkHangingUntil(release, Duration.ofSeconds(60));
        claimed.forEach((lane, n) -> {
            try {
                jobs(Collections.nCopies(n, lane).toArray(String[]::new));
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        start(WorkEngine.builder(queue)
                .owner("test")
                .concurrency(2)
                .batchSize(2)
                .slowAfter(Duration.ofMillis(200)));
        try {
            engine.wake();
            await(
                    "four pieces of the lanes in hand, " + running + " running",
                    () -> engine.inHand() == 4
                            && running.entrySet().stream()
                                    .allMatch(r -> queue.running.containsKey(r.getKey())
                                            && queue.running.get(r.getKey()).get() == r.getValue()));
            jobs("free-1", "free-2", "free-3");
            engine.wake();
            await("the other work is done while the lanes hang", () -> List.of("free-1", "free-2", "free-3").stream()
                    .allMatch(n -> "DONE".equals(status(n))));
            running.forEach((lane, n) -> assertThat(queue.running.get(lane).get())
                    .as("pieces of " + lane + " running")
                    .isEqualTo(n));
            assertThat(rows("count(*) FILTER (WHERE name LIKE 'lane:%' AND status = 'DONE')"))
                    .isEqualTo("0");
        } finally {
            release.countDown();
        }
        await("the lanes are done", () -> rows("count(*) FILTER (WHERE status = 'DONE')")
                .equals("7"));
        assertThat(queue.mostAtOnce.get()).isEqualTo(2);
    }

    @Test
    void runsOnAnExecutorHandedIn() throws Exception {
        ExecutorService managed = Executors.newFixedThreadPool(2, r -> new Thread(r, "handed-in"));
        try {
            List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
            queue.work = j -> {
                threads.add(Thread.currentThread().getName());
                return Outcome.DELIVERED;
            };
            jobs("x", "y");
            start(WorkEngine.builder(queue).owner("test").executor(managed));
            engine.wake();
            await("both jobs are done", () -> "DONE".equals(status("x")) && "DONE".equals(status("y")));
            assertThat(threads).containsOnly("handed-in");
        } finally {
            engine.stop(Duration.ofSeconds(10));
            engine = null;
            managed.shutdown();
        }
    }

    @Test
    void theBuilderNamesTheBadValue() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> WorkEngine.builder(queue).batchSize(0).build())
                .hasMessage("batchSize must be >= 1, was 0");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> WorkEngine.builder(queue).lease(Duration.ZERO).build())
                .hasMessage("lease must be at least 1 ms, was PT0S");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> WorkEngine.builder(queue).slowAfter(Duration.ZERO).build())
                .hasMessage("slowAfter must be at least 1 ms, was PT0S");
    }

    /** Work that, in a lane, waits for {@code release} (at most {@code atMost}); outside one, is done. */
    static Function<Job, Outcome> laneWorkHangingUntil(CountDownLatch release, Duration atMost) {
        return j -> {
            if (j.name().startsWith("lane:")) {
                try {
                    release.await(atMost.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return Outcome.DELIVERED;
        };
    }

    /**
     * Work that, while {@code more} says so, adds the next job (named after {@code added}, which it
     * counts up) and wakes the engine, as a commit does.
     */
    Function<Job, Outcome> addingTheNextWhile(BooleanSupplier more, AtomicInteger added) {
        return job -> {
            if (more.getAsBoolean()) {
                try {
                    jobs("job-" + added.incrementAndGet());
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
                engine.wake();
            }
            return Outcome.DELIVERED;
        };
    }

    String rows(String column) {
        try {
            return String.valueOf(
                    sql.query("SELECT " + column + " AS v FROM test_job").get(0).get("v"));
        } catch (SQLException e) {
            return "";
        }
    }
}
