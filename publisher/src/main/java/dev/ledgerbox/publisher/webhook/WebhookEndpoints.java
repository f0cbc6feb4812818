package dev.ledgerbox.publisher.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Registers and manages webhook endpoints and their secrets. Every method is one short
 * transaction. Thread-safe.
 */
public final class WebhookEndpoints {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String COLUMNS = "id, url, description, event_types, enabled, disabled_reason, allow_private,"
            + " timeout_ms, max_concurrency, rate_per_second, headers::text, created_at";

    private final DataSource dataSource;

    public WebhookEndpoints(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** A new endpoint and its first secret, which is shown this once. */
    public record Created(WebhookEndpoint endpoint, WebhookSecret secret) {}

    public Created add(EndpointSpec spec) throws SQLException {
        UUID id = UUID.randomUUID();
        WebhookSecret secret = WebhookSecret.generate();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO webhook_endpoint (id, url, description,"
                            + " event_types, allow_private, timeout_ms, max_concurrency, rate_per_second, headers)"
                            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)");
                    PreparedStatement s =
                            c.prepareStatement("INSERT INTO webhook_secret (endpoint_id, secret) VALUES (?, ?)")) {
                ps.setObject(1, id);
                ps.setString(2, spec.url().toString());
                ps.setString(3, spec.description());
                ps.setArray(4, c.createArrayOf("text", spec.eventTypes().toArray()));
                ps.setBoolean(5, spec.allowPrivate());
                ps.setInt(6, (int) spec.timeout().toMillis());
                ps.setInt(7, spec.maxConcurrency());
                ps.setObject(8, spec.ratePerSecond());
                ps.setString(9, json(spec.headers()));
                ps.executeUpdate();
                s.setObject(1, id);
                s.setString(2, secret.reveal());
                s.executeUpdate();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
        return new Created(find(id).orElseThrow(), secret);
    }

    public List<WebhookEndpoint> list() throws SQLException {
        return query("SELECT " + COLUMNS + " FROM webhook_endpoint ORDER BY created_at, id", null);
    }

    public Optional<WebhookEndpoint> find(UUID id) throws SQLException {
        return query("SELECT " + COLUMNS + " FROM webhook_endpoint WHERE id = ?", id).stream()
                .findFirst();
    }

    /** Stops deliveries to the endpoint; new events are not routed to it while it is disabled. */
    public void disable(UUID id, String reason) throws SQLException {
        update(
                "UPDATE webhook_endpoint SET enabled = false, disabled_reason = ?, updated_at = now() WHERE id = ?",
                reason == null ? "disabled by an operator" : reason,
                id);
    }

    public void enable(UUID id) throws SQLException {
        update(
                "UPDATE webhook_endpoint SET enabled = true, disabled_reason = NULL, updated_at = now() WHERE id = ?",
                null,
                id);
    }

    /**
     * Adds a new secret; the current ones go on signing next to it for {@code grace}, so that the
     * receiver can switch over in that time. Returns the new secret, shown this once.
     */
    public WebhookSecret rotateSecret(UUID id, Duration grace) throws SQLException {
        if (grace.isNegative()) {
            throw new WebhookException("the grace period of a rotation cannot be negative: " + grace);
        }
        WebhookSecret secret = WebhookSecret.generate();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            // only the current secret starts its grace: one an earlier rotation retires keeps the
            // grace that rotation promised
            try (PreparedStatement old = c.prepareStatement("UPDATE webhook_secret SET expires_at = now() + ?"
                            + " * interval '1 millisecond' WHERE endpoint_id = ? AND expires_at IS NULL");
                    PreparedStatement add =
                            c.prepareStatement("INSERT INTO webhook_secret (endpoint_id, secret) VALUES (?, ?)")) {
                require(c, id);
                old.setLong(1, grace.toMillis());
                old.setObject(2, id);
                old.executeUpdate();
                add.setObject(1, id);
                add.setString(2, secret.reveal());
                add.executeUpdate();
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        return secret;
    }

    /** The secrets that sign at {@code now}, newest first. */
    public List<WebhookSecret> signingSecrets(UUID id, Instant now) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT secret FROM webhook_secret WHERE endpoint_id = ?"
                        + " AND (expires_at IS NULL OR expires_at > ?) ORDER BY created_at DESC, id DESC")) {
            ps.setObject(1, id);
            ps.setTimestamp(2, Timestamp.from(now));
            List<WebhookSecret> secrets = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    secrets.add(WebhookSecret.parse(rs.getString(1)));
                }
            }
            return secrets;
        }
    }

    private void update(String sql, String text, UUID id) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            if (text != null) {
                ps.setString(i++, text);
            }
            ps.setObject(i, id);
            if (ps.executeUpdate() == 0) {
                throw unknown(id);
            }
        }
    }

    private static void require(Connection c, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM webhook_endpoint WHERE id = ? FOR UPDATE")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw unknown(id);
                }
            }
        }
    }

    static WebhookException unknown(UUID id) {
        return new WebhookException("there is no webhook endpoint " + id + " (see: endpoints list)");
    }

    private List<WebhookEndpoint> query(String sql, UUID id) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            if (id != null) {
                ps.setObject(1, id);
            }
            List<WebhookEndpoint> endpoints = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    endpoints.add(read(rs));
                }
            }
            return endpoints;
        }
    }

    static WebhookEndpoint read(ResultSet rs) throws SQLException {
        Object rate = rs.getObject(10);
        return new WebhookEndpoint(
                rs.getObject(1, UUID.class),
                URI.create(rs.getString(2)),
                rs.getString(3),
                List.copyOf(Arrays.asList((String[]) rs.getArray(4).getArray())),
                rs.getBoolean(5),
                rs.getString(6),
                rs.getBoolean(7),
                Duration.ofMillis(rs.getInt(8)),
                rs.getInt(9),
                rate == null ? null : ((Number) rate).intValue(),
                headers(rs.getString(11)),
                rs.getTimestamp(12).toInstant());
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    static Map<String, String> headers(String json) {
        try {
            return Map.copyOf(JSON.readValue(json, new TypeReference<Map<String, String>>() {}));
        } catch (JsonProcessingException e) {
            throw new WebhookException("endpoint headers are not a JSON object of strings: " + e.getOriginalMessage());
        }
    }
}
