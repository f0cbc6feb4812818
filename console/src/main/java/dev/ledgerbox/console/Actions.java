package dev.ledgerbox.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.ledgerbox.outbox.spi.Schemas;
import dev.ledgerbox.publisher.webhook.DeadLetters;
import dev.ledgerbox.publisher.webhook.EndpointProbe;
import dev.ledgerbox.publisher.webhook.SecretBox;
import dev.ledgerbox.publisher.webhook.WebhookEndpoint;
import dev.ledgerbox.publisher.webhook.WebhookEndpoints;
import dev.ledgerbox.publisher.webhook.WebhookException;
import dev.ledgerbox.publisher.webhook.WebhookSecret;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an operator may do from the console, each through the library's own API (dead letters,
 * endpoints, the probe) and each written to the audit log with who, from where and why: entity
 * type {@code ledgerbox.webhook_endpoint} or {@code ledgerbox.webhook_replay}, action {@code
 * console.*}. Thread-safe.
 */
final class Actions {

    private static final Logger LOG = LoggerFactory.getLogger(Actions.class);

    /** Who acts, from where. */
    record Operator(String name, String clientIp, String userAgent) {}

    private final DataSource dataSource;
    private final WebhookEndpoints endpoints;
    private final DeadLetters deadLetters;
    private final EndpointProbe probe;
    private final Runnable endpointsChanged;

    Actions(DataSource dataSource, Clock clock, SecretBox secrets, Runnable endpointsChanged) {
        this.dataSource = dataSource;
        this.endpoints = new WebhookEndpoints(dataSource, secrets);
        this.deadLetters = new DeadLetters(dataSource);
        this.probe = new EndpointProbe(dataSource, clock, secrets);
        this.endpointsChanged = endpointsChanged;
    }

    DeadLetters.Replay replay(List<Long> deliveryIds, String reason, Operator who) throws SQLException {
        if (deliveryIds.isEmpty()) {
            throw new WebhookException("select the dead letters to replay (no delivery ids given)");
        }
        DeadLetters.Replay replay = deadLetters.replay(
                new DeadLetters.Filter(deliveryIds, null, null, null, null, null),
                who.name(),
                reason,
                (done, all) -> {});
        record(
                "ledgerbox.webhook_replay",
                Long.toString(replay.id()),
                "INSERT",
                Map.of("deliveries", Map.of("new", deliveryIds)),
                "console.replay",
                reason,
                who);
        return replay;
    }

    void disable(UUID id, String reason, Operator who) throws SQLException {
        WebhookEndpoint before = endpoint(id);
        if (reason == null || reason.isBlank()) {
            throw new WebhookException("disabling an endpoint needs a reason (it is stored with the endpoint)");
        }
        endpoints.disable(id, reason);
        endpointsChanged.run();
        record(
                "ledgerbox.webhook_endpoint",
                id.toString(),
                "UPDATE",
                Map.of("enabled", change(before.enabled(), false)),
                "console.disable",
                reason,
                who);
    }

    void enable(UUID id, String reason, Operator who) throws SQLException {
        WebhookEndpoint before = endpoint(id);
        endpoints.enable(id);
        endpointsChanged.run();
        record(
                "ledgerbox.webhook_endpoint",
                id.toString(),
                "UPDATE",
                Map.of("enabled", change(before.enabled(), true)),
                "console.enable",
                reason,
                who);
    }

    /** A new signing secret (the old one signs too for {@code grace}); shown to the caller once. */
    WebhookSecret rotateSecret(UUID id, Duration grace, String reason, Operator who) throws SQLException {
        endpoint(id);
        WebhookSecret secret = endpoints.rotateSecret(id, grace);
        endpointsChanged.run();
        record(
                "ledgerbox.webhook_endpoint",
                id.toString(),
                "UPDATE",
                Map.of("secret", Map.of("old", "***", "new", "***")),
                "console.rotate-secret",
                reason,
                who);
        return secret;
    }

    EndpointProbe.Result test(UUID id, Operator who) throws SQLException {
        endpoint(id);
        EndpointProbe.Result result = probe.send(id);
        record(
                "ledgerbox.webhook_endpoint",
                id.toString(),
                "UPDATE",
                Map.of("test", Map.of("new", result.status())),
                "console.test",
                null,
                who);
        return result;
    }

    private WebhookEndpoint endpoint(UUID id) throws SQLException {
        return endpoints.find(id).orElseThrow(() -> new WebhookException("there is no webhook endpoint " + id));
    }

    private static Map<String, Object> change(Object before, Object after) {
        Map<String, Object> change = new LinkedHashMap<>();
        change.put("old", before);
        change.put("new", after);
        return change;
    }

    /** An audit row for an operator action, when the audit log is installed; a log line either way. */
    private void record(
            String entityType,
            String entityId,
            String operation,
            Map<String, ?> diff,
            String action,
            String reason,
            Operator who)
            throws SQLException {
        LOG.info("{} {} {} by {} from {}: {}", action, entityType, entityId, who.name(), who.clientIp(), reason);
        try (Connection c = dataSource.getConnection()) {
            if (!Schemas.installed(c, "audit_log")) {
                return;
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO audit_log (occurred_at, entity_type, entity_id,"
                    + " operation, diff, action, reason, actor_id, actor_name, client_ip, user_agent)"
                    + " VALUES (now(), ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?::inet, ?)")) {
                ps.setString(1, entityType);
                ps.setString(2, entityId);
                ps.setString(3, operation);
                ps.setString(4, Rows.JSON.writeValueAsString(diff));
                ps.setString(5, action);
                ps.setString(6, reason);
                ps.setString(7, who.name());
                ps.setString(8, who.name());
                ps.setString(9, who.clientIp());
                ps.setString(
                        10,
                        who.userAgent() == null
                                ? null
                                : who.userAgent()
                                        .substring(
                                                0, Math.min(512, who.userAgent().length())));
                ps.executeUpdate();
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
