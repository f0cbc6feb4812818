package dev.ledgerbox.publisher;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.ledgerbox.audit.AuditSealer;
import dev.ledgerbox.publisher.webhook.WebhookDispatcher;
import dev.ledgerbox.publisher.webhook.WebhookRouter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.GlobalOpenTelemetry;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running publisher: connection pool, claim loop, commit listener, housekeeping (lag,
 * retention, audit sealing) and the health/metrics endpoint, stopped in order on close.
 */
public final class Daemon implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

    private final PublisherSettings settings;
    private final HikariDataSource pool;
    private final OutboxStore store;
    private final Publisher publisher;
    private final WebhookDispatcher webhooks;
    private final CommitListener listener;
    private final ScheduledExecutorService housekeeping;
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicLong lagMillis = new AtomicLong();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile boolean housekeepingReachedDatabase;
    private HealthServer health;
    private volatile Boolean auditInstalled;

    public Daemon(PublisherSettings settings, Sink sink) {
        this.settings = settings;
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(settings.jdbcUrl());
        config.setUsername(settings.user());
        config.setPassword(settings.password());
        config.setMaximumPoolSize(8);
        config.setPoolName("ledgerbox-publisher");
        config.setInitializationFailTimeout(-1); // start without the database; the loop retries
        config.setConnectionTimeout(5_000);
        this.pool = new HikariDataSource(config);
        this.store = new OutboxStore(pool);
        this.webhooks = settings.webhook().enabled()
                ? new WebhookDispatcher(
                        settings.webhook(),
                        settings.instanceId(),
                        pool,
                        settings.lease(),
                        settings.pollInterval(),
                        Clock.systemUTC(),
                        () -> ThreadLocalRandom.current().nextDouble(),
                        metrics,
                        GlobalOpenTelemetry.get())
                : null;
        Handoff handoff = webhooks == null ? Handoff.NONE : new WebhookRouter(webhooks::wake);
        this.publisher = new Publisher(settings, store, sink, handoff, metrics, GlobalOpenTelemetry.get());
        this.listener = new CommitListener(settings, publisher::wake);
        this.housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ledgerbox-housekeeping");
            t.setDaemon(true);
            return t;
        });
        Gauge.builder("ledgerbox.outbox.lag.seconds", lagMillis, v -> v.get() / 1000.0)
                .description("age of the oldest event not delivered yet")
                .register(metrics);
    }

    /** Starts everything; returns at once. */
    public Daemon start() throws IOException {
        LOG.info("publisher {} starting: {}", settings.instanceId(), settings);
        publisher.start();
        if (webhooks != null) {
            webhooks.start();
        }
        listener.start();
        housekeeping.scheduleWithFixedDelay(this::housekeep, 0, 5, TimeUnit.SECONDS);
        if (settings.httpPort() >= 0) {
            health = new HealthServer(settings.httpPort(), this::liveness, this::readiness, metrics);
            LOG.info("health and metrics on port {}", health.port());
        }
        return this;
    }

    public int httpPort() {
        return health == null ? -1 : health.port();
    }

    public Publisher publisher() {
        return publisher;
    }

    /** The webhook dispatcher, or null when webhooks are switched off. */
    public WebhookDispatcher webhooks() {
        return webhooks;
    }

    Map<String, Boolean> liveness() {
        Map<String, Boolean> checks = new LinkedHashMap<>();
        checks.put("claim-loop", publisher.alive());
        if (webhooks != null) {
            checks.put("webhook-loop", webhooks.alive());
        }
        return checks;
    }

    Map<String, Boolean> readiness() {
        Map<String, Boolean> checks = new LinkedHashMap<>();
        checks.put("database", publisher.databaseReachable() && housekeepingReachedDatabase);
        checks.put("claim-loop", publisher.alive());
        if (webhooks != null) {
            checks.put("webhook-loop", webhooks.alive());
        }
        checks.put("lag", lagMillis.get() <= settings.readyMaxLag().toMillis());
        return checks;
    }

    private void housekeep() {
        try {
            lagMillis.set(store.lag().toMillis());
            housekeepingReachedDatabase = true;
            purge();
            purgeWebhooks();
            seal();
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
        int total = 0;
        for (int i = 0; i < 20; i++) {
            int n = store.purgeDelivered(settings.retention(), settings.retentionBatch());
            total += n;
            if (n < settings.retentionBatch()) {
                break;
            }
        }
        if (total > 0) {
            LOG.info("retention: deleted {} events delivered more than {} ago", total, settings.retention());
        }
    }

    /** Deletes finished webhook deliveries past their retention, with their attempts. */
    private void purgeWebhooks() throws SQLException {
        if (webhooks != null) {
            int deliveries = webhooks.purge(settings.webhook().retention(), settings.retentionBatch());
            if (deliveries > 0) {
                LOG.info(
                        "retention: deleted {} webhook deliveries finished more than {} ago, with their attempts",
                        deliveries,
                        settings.webhook().retention());
            }
        }
    }

    /** Seals committed audit rows, when the audit schema is installed in this database. */
    private void seal() throws SQLException {
        if (settings.sealInterval().isZero()) {
            return;
        }
        if (auditInstalled == null) {
            try (Connection c = pool.getConnection();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT to_regclass('audit_seal') IS NOT NULL")) {
                rs.next();
                auditInstalled = rs.getBoolean(1);
            }
        }
        if (auditInstalled) {
            new AuditSealer(pool).sealAll();
        }
    }

    /** Blocks until {@link #close()} has run. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** Stops claiming, finishes the batch in hand, then stops the rest. */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        LOG.info("publisher {} stopping", settings.instanceId());
        try {
            publisher.stop(settings.lease());
            if (webhooks != null) {
                webhooks.stop(settings.lease());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        listener.close();
        housekeeping.shutdownNow();
        if (health != null) {
            health.close();
        }
        pool.close();
        LOG.info("publisher {} stopped", settings.instanceId());
        stopped.countDown();
    }
}
