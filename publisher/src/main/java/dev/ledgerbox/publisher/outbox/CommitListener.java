package dev.ledgerbox.publisher.outbox;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on {@code ledgerbox_outbox} over its own connection and wakes the publisher when a
 * transaction that inserted events commits. Reconnects by itself; polling covers the gaps.
 */
public final class CommitListener implements AutoCloseable {

    static final String CHANNEL = "ledgerbox_outbox";
    private static final Logger LOG = LoggerFactory.getLogger(CommitListener.class);

    private final String jdbcUrl;
    private final Properties credentials;
    private final Runnable onCommit;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Connection connection;

    /** Listens on a connection of its own to {@code jdbcUrl}; {@code user} and {@code password} may be null. */
    public CommitListener(String jdbcUrl, String user, String password, Runnable onCommit) {
        this.jdbcUrl = jdbcUrl;
        this.credentials = new Properties();
        if (user != null) {
            credentials.setProperty("user", user);
        }
        if (password != null) {
            credentials.setProperty("password", password);
        }
        this.onCommit = onCommit;
        this.thread = new Thread(this::listen, "ledgerbox-listen");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    private void listen() {
        Duration backoff = Duration.ofSeconds(1);
        while (running) {
            try (Connection c = connect()) {
                connection = c;
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + CHANNEL);
                }
                backoff = Duration.ofSeconds(1);
                onCommit.run(); // catch up on what was committed while not listening
                PGConnection pg = c.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] notifications = pg.getNotifications(1000);
                    if (notifications != null && notifications.length > 0) {
                        onCommit.run();
                    }
                }
            } catch (SQLException e) {
                if (running) {
                    LOG.debug("commit notifications interrupted, reconnecting in {}: {}", backoff, e.getMessage());
                    sleep(backoff);
                    backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(30)) > 0
                            ? Duration.ofSeconds(30)
                            : backoff.multipliedBy(2);
                }
            }
        }
    }

    private Connection connect() throws SQLException {
        Properties props = new Properties();
        props.putAll(credentials);
        props.setProperty("ApplicationName", "ledgerbox-publisher-listen");
        props.setProperty("tcpKeepAlive", "true");
        return DriverManager.getConnection(jdbcUrl, props);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        Connection c = connection;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // closing anyway
            }
        }
        thread.interrupt();
    }
}
