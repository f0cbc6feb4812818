package dev.ledgerbox.publisher.app;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.ledgerbox.audit.AuditSealer;
import dev.ledgerbox.console.Console;
import dev.ledgerbox.console.ConsoleSettings;
import dev.ledgerbox.outbox.spi.Schemas;
import dev.ledgerbox.publisher.Publisher;
import dev.ledgerbox.publisher.PublisherSettings;
import dev.ledgerbox.publisher.spi.Sink;
import dev.ledgerbox.publisher.webhook.WebhookDispatcher;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.GlobalOpenTelemetry;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running daemon: a connection pool, the publisher, audit sealing and the health/metrics
 * endpoint, stopped in order on close.
 */
public final class Daemon implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

    private final PublisherSettings settings;
    private final HikariDataSource pool;
    private final Publisher publisher;
    private final ScheduledExecutorService sealing;
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicBoolean closing = new AtomicBoolean();
    private HealthServer health;
    private ConsoleSettings consoleSettings;
    private Console console;
    private volatile Boolean auditInstalled;
    /** One sealer for the daemon's life: it remembers whether its role may summarize the log's ranges. */
    private final AuditSealer sealer;

    public Daemon(PublisherSettings settings, Sink sink) {
        this.settings = settings;
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(settings.jdbcUrl());
        config.setUsername(settings.user());
        config.setPassword(settings.password());
        config.setMaximumPoolSize(8);
        config.setPoolName("ledgerbox-publisher");
        config.setInitializationFailTimeout(-1); // start without the database; the loops retry
        config.setConnectionTimeout(5_000);
        this.pool = new HikariDataSource(config);
        this.sealer = new AuditSealer(pool);
        this.publisher = Publisher.builder(pool, settings)
                .sink(sink)
                .metrics(metrics)
                .telemetry(GlobalOpenTelemetry.get())
                .build();
        this.sealing = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ledgerbox-sealing");
            t.setDaemon(true);
            return t;
        });
    }

    /** Serves the operator console too, once started (it checks its settings now). */
    public Daemon console(ConsoleSettings settings) {
        Console.builder(pool, settings).build(); // no user configured: refused before anything starts
        this.consoleSettings = settings;
        return this;
    }

    /** Starts everything; returns at once. */
    public Daemon start() throws IOException {
        publisher.start();
        if (consoleSettings != null) {
            WebhookDispatcher webhooks = publisher.webhooks();
            console = Console.builder(pool, consoleSettings)
                    .metrics(metrics)
                    .secrets(settings.webhook().secrets())
                    .circuits(() -> webhooks == null ? java.util.Map.of() : webhooks.circuits())
                    .endpointsChanged(() -> {
                        if (webhooks != null) {
                            webhooks.refreshEndpoints();
                        }
                    })
                    .build()
                    .start();
        }
        if (!settings.sealInterval().isZero()) {
            sealing.scheduleWithFixedDelay(
                    this::seal, 0, settings.sealInterval().toMillis(), TimeUnit.MILLISECONDS);
        }
        if (settings.httpPort() >= 0) {
            health = new HealthServer(
                    settings.httpHost(), settings.httpPort(), publisher::liveness, publisher::readiness, metrics);
            LOG.info("health and metrics on {}", health.address());
        }
        return this;
    }

    /** Where the health and metrics server listens, or null when it is off. */
    public java.net.InetSocketAddress httpAddress() {
        return health == null ? null : health.address();
    }

    /** The console, or null when it is off. */
    public Console console() {
        return console;
    }

    public int httpPort() {
        return health == null ? -1 : health.port();
    }

    public Publisher publisher() {
        return publisher;
    }

    /** The webhook dispatcher, or null when webhooks are switched off. */
    public WebhookDispatcher webhooks() {
        return publisher.webhooks();
    }

    /** Seals committed audit rows, when the audit schema is installed in this database. */
    private void seal() {
        try {
            if (auditInstalled == null) {
                try (Connection c = pool.getConnection()) {
                    auditInstalled = Schemas.installed(c, "audit_seal");
                }
            }
            if (auditInstalled) {
                sealer.sealAll();
            }
        } catch (SQLException e) {
            LOG.debug("sealing could not reach the database: {}", e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("sealing failed", e);
        }
    }

    /** Blocks until {@link #close()} has run. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** Stops claiming, finishes the work in hand, then stops the rest. */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        LOG.info("publisher {} stopping", settings.instanceId());
        if (console != null) {
            console.close();
        }
        publisher.close();
        sealing.shutdownNow();
        if (health != null) {
            health.close();
        }
        pool.close();
        LOG.info("publisher {} stopped", settings.instanceId());
        stopped.countDown();
    }
}
