package dev.ledgerbox.console;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ledgerbox.audit.AuditVerification;
import dev.ledgerbox.audit.AuditVerifier;
import dev.ledgerbox.console.Actions.Operator;
import dev.ledgerbox.console.Analytics.Health;
import dev.ledgerbox.console.Sessions.Principal;
import dev.ledgerbox.publisher.PublisherSettings;
import dev.ledgerbox.publisher.webhook.DeadLetters;
import dev.ledgerbox.publisher.webhook.EndpointProbe;
import dev.ledgerbox.publisher.webhook.WebhookEndpoint;
import dev.ledgerbox.publisher.webhook.WebhookEndpoints;
import dev.ledgerbox.publisher.webhook.WebhookSecret;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * The admin API's routes: what each path reads or does, its role, and how its parameters are
 * checked (a bad one is refused with 400 and named). Each route is described in {@code
 * openapi.yaml}. The HTTP around it (sign-in, CSRF, bodies, errors) is {@link Console}'s.
 * Thread-safe.
 */
final class AdminApi {

    /** The endpoints' health, as the console last computed it. */
    interface HealthSource {
        Map<UUID, Health> get() throws SQLException;
    }

    private final DataSource dataSource;
    private final Clock clock;
    private final Analytics analytics;
    private final Lookups lookups;
    private final Actions actions;
    private final HealthSource health;
    private final WebhookEndpoints endpoints;
    private final List<Route> routes = new ArrayList<>();

    AdminApi(
            DataSource dataSource,
            Clock clock,
            Analytics analytics,
            Lookups lookups,
            Actions actions,
            WebhookEndpoints endpoints,
            HealthSource health) {
        this.dataSource = dataSource;
        this.clock = clock;
        this.analytics = analytics;
        this.lookups = lookups;
        this.actions = actions;
        this.health = health;
        this.endpoints = endpoints;
        routes();
    }

    /** A route and the path's match, for a method and path. */
    record Match(Route route, Matcher path) {}

    /**
     * The route of a request: null with {@code known} set when the path exists for another
     * method, null and unset when no route has the path.
     */
    Match match(String method, String path, boolean[] known) {
        for (Route r : routes) {
            Matcher m = r.path().matcher(path);
            if (m.matches()) {
                known[0] = true;
                if (r.method().equals(method)) {
                    return new Match(r, m);
                }
            }
        }
        return null;
    }

    /** A refusal with its status: 400 bad input, 403 not allowed, 404 nothing there. */
    static final class Refusal extends RuntimeException {
        final int status;

        Refusal(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    interface Handler {
        Object handle(Request request) throws SQLException;
    }

    record Route(String method, Pattern path, boolean operator, Handler handler) {}

    record Request(Principal principal, Matcher path, Map<String, String> query, JsonNode body, Operator operator) {
        String param(String name) {
            String v = query.get(name);
            return v == null || v.isBlank() ? null : v.trim();
        }

        String text(String field) {
            JsonNode n = body == null ? null : body.get(field);
            return n == null || n.isNull() ? null : n.asText();
        }

        UUID id() {
            return uuid(path.group(1), "endpoint id");
        }
    }

    private void get(String path, Handler handler) {
        routes.add(new Route("GET", Pattern.compile(path), false, handler));
    }

    private void post(String path, Handler handler) {
        routes.add(new Route("POST", Pattern.compile(path), true, handler));
    }

    /** The API's routes, each described in openapi.yaml (a test holds them to it). */
    List<String> routeList() {
        return routes.stream()
                .map(r -> r.method() + " " + r.path().pattern().replace("([^/]+)", "{id}"))
                .toList();
    }

    private void routes() {
        get(
                "/api/session",
                r -> Map.of(
                        "user", r.principal().name(),
                        "role", r.principal().role().name().toLowerCase(java.util.Locale.ROOT),
                        "csrf",
                                r.principal().csrf() == null
                                        ? ""
                                        : r.principal().csrf()));
        get("/api/overview", r -> analytics.overview(window(r.param("window"), "1h")));
        get("/api/endpoints", r -> endpoints());
        get("/api/endpoints/([^/]+)", r -> endpoint(r.id()));
        post("/api/endpoints/([^/]+)/disable", r -> {
            actions.disable(r.id(), r.text("reason"), r.operator());
            return endpoint(r.id());
        });
        post("/api/endpoints/([^/]+)/enable", r -> {
            actions.enable(r.id(), r.text("reason"), r.operator());
            return endpoint(r.id());
        });
        post("/api/endpoints/([^/]+)/rotate-secret", r -> {
            Duration grace = window(r.text("grace"), "24h");
            WebhookSecret secret = actions.rotateSecret(r.id(), grace, r.text("reason"), r.operator());
            return Map.of(
                    "secret",
                    secret.reveal(),
                    "note",
                    "shown once: store it with the receiver now; the previous secret signs too for " + grace);
        });
        post("/api/endpoints/([^/]+)/test", r -> {
            EndpointProbe.Result result = actions.test(r.id(), r.operator());
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("webhookId", result.webhookId());
            json.put("status", result.status());
            json.put("succeeded", result.succeeded());
            json.put("durationMs", result.durationMillis());
            json.put("body", result.body());
            json.put("error", result.error());
            return json;
        });
        get(
                "/api/deliveries",
                r -> lookups.deliveries(new Lookups.DeliveryFilter(
                        r.param("endpoint") == null ? null : uuid(r.param("endpoint"), "endpoint"),
                        r.param("eventType"),
                        status(r.param("status")),
                        r.param("aggregate"),
                        r.param("correlation"),
                        instant(r.param("from"), "from"),
                        instant(r.param("to"), "to"),
                        r.param("before") == null ? null : number(r.param("before"), "before"),
                        limit(r.param("limit")))));
        get("/api/deliveries/([^/]+)", r -> {
            Map<String, Object> d = lookups.delivery(number(r.path().group(1), "delivery id"));
            if (d == null) {
                throw new Refusal(
                        404, "there is no webhook delivery " + r.path().group(1));
            }
            return d;
        });
        get("/api/dead-letters", r -> new DeadLetters(dataSource)
                        .list(
                                new DeadLetters.Filter(
                                        null,
                                        r.param("endpoint") == null ? null : uuid(r.param("endpoint"), "endpoint"),
                                        r.param("eventType"),
                                        null,
                                        null,
                                        null),
                                limit(r.param("limit")))
                        .stream()
                        .map(AdminApi::deadLetter)
                        .toList());
        post("/api/dead-letters/replay", r -> {
            List<Long> ids = new ArrayList<>();
            JsonNode array = r.body() == null ? null : r.body().get("deliveryIds");
            if (array == null || !array.isArray()) {
                throw new Refusal(400, "deliveryIds must be a list of delivery ids");
            }
            for (JsonNode id : array) {
                if (!id.canConvertToLong()) {
                    throw new Refusal(400, "deliveryIds holds '" + id + "', which is not a delivery id");
                }
                ids.add(id.asLong());
            }
            DeadLetters.Replay replay = actions.replay(ids, r.text("reason"), r.operator());
            return Map.of("replayId", replay.id(), "deliveries", replay.deliveries());
        });
        get(
                "/api/audit/entity",
                r -> lookups.entityHistory(required(r, "type"), required(r, "id"), limit(r.param("limit"))));
        get(
                "/api/audit/actor",
                r -> lookups.actorHistory(
                        required(r, "actor"),
                        clock.instant().minus(window(r.param("since"), "24h")),
                        limit(r.param("limit"))));
        get("/api/audit/seal", r -> lookups.sealStatus());
        get("/api/audit/verify", r -> {
            AuditVerification v = new AuditVerifier(dataSource).verify();
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("intact", v.intact());
            json.put("rowsChecked", v.rowsChecked());
            json.put("problem", v.problem());
            json.put("chain", v.chain());
            json.put("seq", v.seq());
            json.put("auditId", v.auditId());
            return json;
        });
        get("/api/trace", r -> lookups.trace(required(r, "correlation")));
    }

    private List<Map<String, Object>> endpoints() throws SQLException {
        Map<UUID, Health> all = health.get();
        List<Map<String, Object>> list = new ArrayList<>();
        for (WebhookEndpoint e : endpoints.list()) {
            list.add(endpointJson(e, all.get(e.id())));
        }
        return list;
    }

    private Map<String, Object> endpoint(UUID id) throws SQLException {
        WebhookEndpoint e =
                endpoints.find(id).orElseThrow(() -> new Refusal(404, "there is no webhook endpoint " + id));
        Map<String, Object> json = endpointJson(e, health.get().get(id));
        json.put("recentFailures", lookups.recentFailures(id, 20));
        return json;
    }

    private static Map<String, Object> endpointJson(WebhookEndpoint e, Health health) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", e.id().toString());
        json.put("url", e.url().toString());
        json.put("description", e.description());
        json.put("eventTypes", e.eventTypes());
        json.put("enabled", e.enabled());
        json.put("disabledReason", e.disabledReason());
        json.put("timeoutMs", e.timeout().toMillis());
        json.put("maxConcurrency", e.maxConcurrency());
        json.put("ratePerSecond", e.ratePerSecond());
        json.put("headerNames", e.headers().keySet()); // values may be credentials: never shown
        json.put("createdAt", e.createdAt().toString());
        json.put("health", health == null ? null : health.json());
        return json;
    }

    private static Map<String, Object> deadLetter(DeadLetters.Entry e) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", e.deliveryId());
        json.put("eventId", e.eventId().toString());
        json.put("endpointId", e.endpointId().toString());
        json.put("url", e.url());
        json.put("eventType", e.eventType());
        json.put("aggregateType", e.aggregateType());
        json.put("aggregateId", e.aggregateId());
        json.put("attempts", e.attempts());
        json.put("lastStatus", e.lastStatus());
        json.put("lastError", e.lastError());
        json.put("occurredAt", e.occurredAt().toString());
        json.put("deadAt", e.deadAt() == null ? null : e.deadAt().toString());
        return json;
    }

    private static String required(Request r, String name) {
        String v = r.param(name);
        if (v == null) {
            throw new Refusal(400, "the query parameter '" + name + "' is required");
        }
        return v;
    }

    private static Duration window(String text, String fallback) {
        String t = text == null ? fallback : text;
        Duration d = PublisherSettings.parseDuration(t);
        if (d == null || d.isNegative() || d.compareTo(Duration.ofDays(31)) > 0) {
            throw new Refusal(400, "'" + t + "' is not a duration of up to 31 days (write 1h, 24h, 7d)");
        }
        return d;
    }

    private static UUID uuid(String text, String what) {
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw new Refusal(400, "the " + what + " '" + text + "' is not a UUID");
        }
    }

    private static long number(String text, String what) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new Refusal(400, "the " + what + " '" + text + "' is not a number");
        }
    }

    private static Instant instant(String text, String what) {
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (java.time.format.DateTimeParseException e) {
            throw new Refusal(400, what + " '" + text + "' is not a time such as 2026-12-02T10:00:00Z");
        }
    }

    private static String status(String text) {
        if (text != null
                && !List.of("PENDING", "CLAIMED", "FAILED", "DELIVERED", "DEAD").contains(text)) {
            throw new Refusal(400, "status '" + text + "' is none of PENDING, CLAIMED, FAILED, DELIVERED, DEAD");
        }
        return text;
    }

    private static int limit(String text) {
        if (text == null) {
            return 100;
        }
        long n = number(text, "limit");
        if (n < 1 || n > 1000) {
            throw new Refusal(400, "limit " + n + " is not from 1 to 1000");
        }
        return (int) n;
    }
}
