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
 * transaction. Signing secrets and header values are stored sealed by the {@link SecretBox} (or in
 * clear when it is so configured) and opened when read. Thread-safe.
 */
public final class WebhookEndpoints {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String COLUMNS = "id, url, description, event_types, enabled, disabled_reason, allow_private,"
            + " timeout_ms, max_concurrency, rate_per_second, headers::text, created_at";

    private final DataSource dataSource;
    private final SecretBox secrets;

    public WebhookEndpoints(DataSource dataSource, SecretBox secrets) {
        this.dataSource = dataSource;
        this.secrets = secrets;
    }

    /** A new endpoint and its first secret, which is shown this once. */
    public record Created(WebhookEndpoint endpoint, WebhookSecret secret) {}

    public Created add(EndpointSpec spec) throws SQLException {
        UUID id = UUID.randomUUID();
        WebhookSecret secret = WebhookSecret.generate();
        String storedSecret = secrets.seal(secret.reveal(), secretContext(id));
        String storedHeaders = json(sealHeaders(secrets, id, spec.headers()));
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
                ps.setString(9, storedHeaders);
                ps.executeUpdate();
                s.setObject(1, id);
                s.setString(2, storedSecret);
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
        String stored = secrets.seal(secret.reveal(), secretContext(id));
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
                add.setString(2, stored);
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
            List<WebhookSecret> signing = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    signing.add(WebhookSecret.parse(this.secrets.open(rs.getString(1), secretContext(id))));
                }
            }
            return signing;
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
                    endpoints.add(read(rs, secrets));
                }
            }
            return endpoints;
        }
    }

    static WebhookEndpoint read(ResultSet rs, SecretBox secrets) throws SQLException {
        Object rate = rs.getObject(10);
        UUID id = rs.getObject(1, UUID.class);
        return new WebhookEndpoint(
                id,
                URI.create(rs.getString(2)),
                rs.getString(3),
                List.copyOf(Arrays.asList((String[]) rs.getArray(4).getArray())),
                rs.getBoolean(5),
                rs.getString(6),
                rs.getBoolean(7),
                Duration.ofMillis(rs.getInt(8)),
                rs.getInt(9),
                rate == null ? null : ((Number) rate).intValue(),
                openHeaders(secrets, id, headers(rs.getString(11))),
                rs.getTimestamp(12).toInstant());
    }

    /** Where a signing secret is stored, bound into its seal. */
    static String secretContext(UUID endpointId) {
        return "webhook_secret:" + endpointId;
    }

    private static String headerContext(UUID endpointId, String name) {
        return "webhook_endpoint.headers:" + endpointId + ":" + name.toLowerCase(java.util.Locale.ROOT);
    }

    static Map<String, String> sealHeaders(SecretBox secrets, UUID id, Map<String, String> headers) {
        Map<String, String> sealed = new java.util.LinkedHashMap<>();
        headers.forEach((name, value) -> sealed.put(name, secrets.seal(value, headerContext(id, name))));
        return sealed;
    }

    static Map<String, String> openHeaders(SecretBox secrets, UUID id, Map<String, String> headers) {
        Map<String, String> open = new java.util.LinkedHashMap<>();
        headers.forEach((name, value) -> open.put(name, secrets.open(value, headerContext(id, name))));
        return Map.copyOf(open);
    }

    /** What {@link #reseal()} did. */
    public record Resealed(int secrets, int headerValues, String keyId) {}

    /**
     * Seals every stored secret and header value under the current key (values in clear, and
     * values sealed under an older key), in one transaction; afterwards the older keys can be
     * removed from the configuration.
     */
    public Resealed reseal() throws SQLException {
        if (!secrets.seals()) {
            throw new WebhookException(
                    "no key to seal with: set publisher.secrets.keys (or publisher.secrets.key-file),"
                            + " the new key first");
        }
        int sealedSecrets = 0;
        int sealedHeaders = 0;
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement read = c.prepareStatement(
                            "SELECT id, endpoint_id, secret FROM webhook_secret ORDER BY id FOR UPDATE");
                    PreparedStatement write = c.prepareStatement("UPDATE webhook_secret SET secret = ? WHERE id = ?");
                    ResultSet rs = read.executeQuery()) {
                while (rs.next()) {
                    String stored = rs.getString(3);
                    if (!secrets.current(stored)) {
                        String context = secretContext(rs.getObject(2, UUID.class));
                        write.setString(1, secrets.seal(secrets.open(stored, context), context));
                        write.setLong(2, rs.getLong(1));
                        write.addBatch();
                        sealedSecrets++;
                    }
                }
                write.executeBatch();
            }
            try (PreparedStatement read = c.prepareStatement(
                            "SELECT id, headers::text FROM webhook_endpoint ORDER BY id FOR UPDATE");
                    PreparedStatement write =
                            c.prepareStatement("UPDATE webhook_endpoint SET headers = ?::jsonb WHERE id = ?");
                    ResultSet rs = read.executeQuery()) {
                while (rs.next()) {
                    UUID id = rs.getObject(1, UUID.class);
                    Map<String, String> stored = headers(rs.getString(2));
                    long stale = stored.values().stream()
                            .filter(v -> !secrets.current(v))
                            .count();
                    if (stale > 0) {
                        write.setString(1, json(sealHeaders(secrets, id, openHeaders(secrets, id, stored))));
                        write.setObject(2, id);
                        write.addBatch();
                        sealedHeaders += (int) stale;
                    }
                }
                write.executeBatch();
            }
            c.commit();
        }
        return new Resealed(sealedSecrets, sealedHeaders, secrets.currentKeyId());
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
