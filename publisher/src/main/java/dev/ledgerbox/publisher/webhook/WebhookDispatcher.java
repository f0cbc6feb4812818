package dev.ledgerbox.publisher.webhook;

import dev.ledgerbox.publisher.engine.RetryPolicy;
import dev.ledgerbox.publisher.engine.WorkEngine;
import dev.ledgerbox.publisher.spi.Batches;
import dev.ledgerbox.publisher.spi.Handoff;
import dev.ledgerbox.publisher.webhook.Deliveries.Attempt;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.DoubleSupplier;
import javax.sql.DataSource;

/**
 * Delivers webhooks: the work engine driving the webhook queue (claim with the request rows
 * written, send with no transaction open, record in batches), plus retention of finished
 * deliveries. Time comes from the injected {@link Clock}, so retry schedules and circuits are
 * tested without sleeping. Thread-safe; {@link #start()} once, {@link #close()} once.
 */
public final class WebhookDispatcher implements AutoCloseable {

    private final WebhookQueue queue;
    private final WorkEngine<Attempt> engine;

    /**
     * @param lease how long past an endpoint's timeout a claim stays valid
     * @param random the jitter's source, a number from 0 to below 1
     */
    public WebhookDispatcher(
            WebhookSettings settings,
            String owner,
            DataSource dataSource,
            Duration lease,
            Duration pollInterval,
            Clock clock,
            DoubleSupplier random,
            MeterRegistry metrics,
            OpenTelemetry telemetry) {
        RetryPolicy retry = new RetryPolicy(settings.retrySchedule(), 0.2, settings.retryAfterMax(), random);
        this.queue = new WebhookQueue(settings, dataSource, lease, clock, retry, metrics, telemetry);
        this.engine = WorkEngine.builder(queue)
                .owner(owner)
                .batchSize(batchSize(settings))
                .concurrency(settings.concurrency())
                .lease(lease)
                .pollInterval(pollInterval)
                .clock(clock)
                .retryPolicy(retry)
                .metrics(metrics)
                .telemetry(telemetry)
                .build();
    }

    /** A claim takes as many deliveries as can be in flight at once. */
    static int batchSize(WebhookSettings settings) {
        return settings.concurrency();
    }

    public void start() {
        engine.start();
    }

    /** New deliveries may be due (routed, replayed, or time moved on). */
    public void wake() {
        engine.wake();
    }

    /**
     * The handoff that routes delivered outbox events to the enabled endpoints, in the transaction
     * that marks them delivered, and wakes this dispatcher after it committed.
     */
    public Handoff router() {
        return new WebhookRouter(queue::installed, engine::wake);
    }

    /** Re-reads endpoints and secrets at the next claim (after changes through the API). */
    public void refreshEndpoints() {
        queue.refreshEndpoints();
        engine.wake();
    }

    /**
     * The state of each endpoint's circuit in this instance ({@code CLOSED}, {@code OPEN}, {@code
     * HALF_OPEN}); an endpoint absent has had no attempt here yet.
     */
    public java.util.Map<java.util.UUID, String> circuits() {
        return queue.circuits();
    }

    public boolean alive() {
        return engine.alive();
    }

    public boolean databaseReachable() {
        return engine.databaseReachable();
    }

    /** Deliveries claimed and not recorded yet. */
    public int outstanding() {
        return engine.inHand();
    }

    /**
     * Deletes finished deliveries past the retention, with their attempts and messages, in
     * bounded batches (at most 20 a call); returns how many deliveries. Nothing before the
     * webhook schema is installed.
     */
    public int purge(Duration olderThan, int batch) throws SQLException {
        if (olderThan.isZero() || !queue.installed()) {
            return 0;
        }
        return Batches.repeat(batch, 20, () -> queue.store().purge(olderThan, batch));
    }

    /** {@code Retry-After} as honoured: seconds or an HTTP date, within bounds; null when absent or bad. */
    Duration retryAfter(String value, Instant now) {
        return queue.retryAfter(value, now);
    }

    /** Stops claiming, lets attempts in flight finish and records them, within {@code grace}. */
    public void stop(Duration grace) throws InterruptedException {
        engine.stop(grace);
        queue.close();
    }

    @Override
    public void close() throws InterruptedException {
        stop(Duration.ofSeconds(30));
    }
}
