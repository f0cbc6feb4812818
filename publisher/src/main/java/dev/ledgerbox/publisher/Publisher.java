package dev.ledgerbox.publisher;

import dev.ledgerbox.publisher.engine.WorkEngine;
import dev.ledgerbox.publisher.outbox.CommitListener;
import dev.ledgerbox.publisher.outbox.LogSink;
import dev.ledgerbox.publisher.outbox.OutboxQueue;
import dev.ledgerbox.publisher.outbox.OutboxStore;
import dev.ledgerbox.publisher.spi.Batches;
import dev.ledgerbox.publisher.spi.ClaimedEvent;
import dev.ledgerbox.publisher.spi.Handoff;
import dev.ledgerbox.publisher.spi.Sink;
import dev.ledgerbox.publisher.webhook.WebhookDispatcher;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.sql.SQLException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publisher as a library: the work engine draining the outbox into a sink (the JSON log line
 * by default) and routing delivered events to webhook endpoints, the engine delivering webhooks,
 * the commit listener that wakes the first, and housekeeping (lag, retention). Built from a
 * {@link DataSource} and checked {@link PublisherSettings}; runs in a plain JVM or inside an
 * application (hand in a {@code ManagedExecutorService}).
 *
 * <pre>{@code
 * Publisher publisher = Publisher.builder(dataSource, PublisherSettings.from(config::get)).build();
 * publisher.start();
 * ...
 * publisher.close();
 * }</pre>
 *
 * <p>Thread-safe; {@link #start()} once, {@link #close()} once.
 */
public final class Publisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);

    private final PublisherSettings settings;
    private final OutboxStore store;
    private final WorkEngine<ClaimedEvent> outbox;
    private final WebhookDispatcher webhooks;
    private final CommitListener listener;
    private final ScheduledExecutorService housekeeping;
    private final AtomicLong lagMillis = new AtomicLong();
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile boolean housekeepingReachedDatabase;

    private Publisher(Builder b) {
        this.settings = b.settings;
        this.store = new OutboxStore(b.dataSource);
        this.webhooks = settings.webhook().enabled()
                ? new WebhookDispatcher(
                        settings.webhook(),
                        settings.instanceId(),
                        b.dataSource,
                        settings.lease(),
                        settings.pollInterval(),
                        b.clock,
                        () -> ThreadLocalRandom.current().nextDouble(),
                        b.metrics,
                        b.telemetry)
                : null;
        Handoff handoff = webhooks == null ? Handoff.NONE : webhooks.router();
        WorkEngine.Builder<ClaimedEvent> engine = WorkEngine.builder(new OutboxQueue(store, b.sink, handoff, b.metrics))
                .owner(settings.instanceId())
                .batchSize(settings.batchSize())
                .concurrency(settings.concurrency())
                .lease(settings.lease())
                .pollInterval(settings.pollInterval())
                .clock(b.clock)
                .retryPolicy(
                        settings.retryPolicy(() -> ThreadLocalRandom.current().nextDouble()))
                .metrics(b.metrics)
                .telemetry(b.telemetry);
        if (b.executor != null) {
            engine.executor(b.executor);
        }
        this.outbox = engine.build();
        this.listener = b.listen
                ? new CommitListener(settings.jdbcUrl(), settings.user(), settings.password(), outbox::wake)
                : null;
        this.housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ledgerbox-housekeeping");
            t.setDaemon(true);
            return t;
        });
        Gauge.builder("ledgerbox.outbox.lag.seconds", lagMillis, v -> v.get() / 1000.0)
                .description("age of the event at the head of the outbox queue, the next to be claimed")
                .register(b.metrics);
    }

    /** A builder for a publisher on {@code dataSource} with {@code settings}. */
    public static Builder builder(DataSource dataSource, PublisherSettings settings) {
        return new Builder(dataSource, settings);
    }

    /** Starts the engines, the commit listener and housekeeping; returns at once. */
    public Publisher start() {
        LOG.info("publisher {} starting: {}", settings.instanceId(), settings);
        if (settings.webhook().secrets().storesPlaintext()) {
            LOG.warn("webhook signing secrets and endpoint header values are stored in clear text"
                    + " (publisher.secrets.plaintext=true): set publisher.secrets.keys to seal them, then run"
                    + " `ledgerbox-publisher secrets rotate-key`");
        }
        outbox.start();
        if (webhooks != null) {
            webhooks.start();
        }
        if (listener != null) {
            listener.start();
        }
        housekeeping.scheduleWithFixedDelay(this::housekeep, 0, 5, TimeUnit.SECONDS);
        return this;
    }

    /** Wakes the outbox engine: events were committed. */
    public void wake() {
        outbox.wake();
    }

    /** The webhook dispatcher, or null when webhooks are switched off. */
    public WebhookDispatcher webhooks() {
        return webhooks;
    }

    /** Whether the outbox engine's last statement reached the database. */
    public boolean databaseReachable() {
        return outbox.databaseReachable();
    }

    /** Whether the outbox engine runs and went round recently. */
    public boolean alive() {
        return outbox.alive();
    }

    /** Whether each loop runs and went round recently. */
    public Map<String, Boolean> liveness() {
        Map<String, Boolean> checks = new LinkedHashMap<>();
        checks.put("claim-loop", outbox.alive());
        if (webhooks != null) {
            checks.put("webhook-loop", webhooks.alive());
        }
        return checks;
    }

    /** Liveness, plus: the database answers and the lag is within {@code ready.max-lag}. */
    public Map<String, Boolean> readiness() {
        Map<String, Boolean> checks = new LinkedHashMap<>();
        checks.put("database", outbox.databaseReachable() && housekeepingReachedDatabase);
        checks.putAll(liveness());
        checks.put("lag", lagMillis.get() <= settings.readyMaxLag().toMillis());
        return checks;
    }

    private void housekeep() {
        try {
            lagMillis.set(store.lag().toMillis());
            housekeepingReachedDatabase = true;
            purge();
            if (webhooks != null) {
                int deliveries = webhooks.purge(settings.webhook().retention(), settings.retentionBatch());
                if (deliveries > 0) {
                    LOG.info(
                            "retention: deleted {} webhook deliveries finished more than {} ago, with their attempts",
                            deliveries,
                            settings.webhook().retention());
                }
            }
        } catch (SQLException e) {
            housekeepingReachedDatabase = false;
            LOG.debug("housekeeping could not reach the database: {}", e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("housekeeping failed", e);
        }
    }

    /** Deletes delivered events past the retention, in bounded batches (at most 20 a round). */
    private void purge() throws SQLException {
        if (settings.retention().isZero()) {
            return;
        }
        int total = Batches.repeat(
                settings.retentionBatch(),
                20,
                () -> store.purgeDelivered(settings.retention(), settings.retentionBatch()));
        if (total > 0) {
            LOG.info("retention: deleted {} events delivered more than {} ago", total, settings.retention());
        }
    }

    /** Stops claiming, finishes and records the work in hand (within the lease), then stops the rest. */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        try {
            outbox.stop(settings.lease());
            if (webhooks != null) {
                webhooks.stop(settings.lease());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (listener != null) {
            listener.close();
        }
        housekeeping.shutdownNow();
        try {
            // a round in progress (a retention purge) finishes its statement before close returns
            if (!housekeeping.awaitTermination(settings.lease().toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("housekeeping did not stop within {}", settings.lease());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Builds a {@link Publisher}; only the data source and the settings are required. Not thread-safe. */
    public static final class Builder {
        private final DataSource dataSource;
        private final PublisherSettings settings;
        private Sink sink;
        private MeterRegistry metrics = new SimpleMeterRegistry();
        private OpenTelemetry telemetry = OpenTelemetry.noop();
        private Clock clock = Clock.systemUTC();
        private Executor executor;
        private boolean listen = true;

        private Builder(DataSource dataSource, PublisherSettings settings) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            this.settings = Objects.requireNonNull(settings, "settings");
        }

        /** Where outbox events go (default: one JSON log line each). */
        public Builder sink(Sink sink) {
            this.sink = sink;
            return this;
        }

        public Builder metrics(MeterRegistry metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        public Builder telemetry(OpenTelemetry telemetry) {
            this.telemetry = Objects.requireNonNull(telemetry, "telemetry");
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Where outbox work runs, e.g. a {@code ManagedExecutorService} (default: a pool of its own). */
        public Builder executor(Executor executor) {
            this.executor = executor;
            return this;
        }

        /** Whether to listen for commit notifications on a connection of its own (default: yes). */
        public Builder listen(boolean listen) {
            this.listen = listen;
            return this;
        }

        public Publisher build() {
            if (sink == null) {
                sink = new LogSink(settings.logPayload());
            }
            return new Publisher(this);
        }
    }
}
