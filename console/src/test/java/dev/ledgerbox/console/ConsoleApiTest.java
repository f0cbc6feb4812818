package dev.ledgerbox.console;

import static dev.ledgerbox.console.ConsoleFixture.OPERATOR;
import static dev.ledgerbox.console.ConsoleFixture.OPERATOR_PASSWORD;
import static dev.ledgerbox.console.ConsoleFixture.VIEWER;
import static dev.ledgerbox.console.ConsoleFixture.VIEWER_PASSWORD;
import static dev.ledgerbox.console.ConsoleFixture.basic;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ledgerbox.console.ConsoleFixture.Answer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every API endpoint against a running publisher with data, and every refusal. */
class ConsoleApiTest {

    private static ConsoleFixture fx;
    private static final String OP = basic(OPERATOR, OPERATOR_PASSWORD);
    private static final String VIEW = basic(VIEWER, VIEWER_PASSWORD);

    @BeforeAll
    static void start() throws Exception {
        fx = new ConsoleFixture();
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    private static long deadDeliveryId() throws Exception {
        return Long.parseLong((String) ConsoleFixture.sql()
                .query("SELECT id FROM webhook_delivery WHERE status = 'DEAD'")
                .get(0)
                .get("id"));
    }

    @Test
    void withoutCredentialsTheApiAnswers401AndThePageSendsToSignIn() throws Exception {
        Answer api = fx.get("/api/overview", null);
        assertThat(api.status()).isEqualTo(401);
        assertThat(api.json().get("error").asText()).contains("sign in");
        assertThat(api.raw().headers().firstValue("WWW-Authenticate")).isEmpty();
        Answer page = fx.get("/", null);
        assertThat(page.status()).isEqualTo(303);
        assertThat(page.raw().headers().firstValue("Location")).contains("/login");
        assertThat(fx.get("/api/overview", basic(OPERATOR, "wrong")).status()).isEqualTo(401);
        assertThat(fx.get("/api/overview", basic("nobody", "x")).status()).isEqualTo(401);
        assertThat(fx.get("/api/overview", "Basic not-base64!").status()).isEqualTo(401);
    }

    @Test
    void sessionSaysWhoAndTheRole() throws Exception {
        JsonNode viewer = fx.get("/api/session", VIEW).json();
        assertThat(viewer.get("user").asText()).isEqualTo(VIEWER);
        assertThat(viewer.get("role").asText()).isEqualTo("viewer");
        assertThat(viewer.get("csrf").asText()).isEmpty(); // Basic needs none
    }

    @Test
    void overviewCountsEventsDeliveriesAndDeadLetters() throws Exception {
        Answer a = fx.get("/api/overview?window=1h", VIEW);
        assertThat(a.status()).isEqualTo(200);
        JsonNode o = a.json();
        assertThat(o.at("/totals/events").asLong()).isEqualTo(4);
        assertThat(o.at("/totals/delivered").asLong()).isEqualTo(3);
        assertThat(o.at("/totals/dead").asLong()).isEqualTo(1);
        assertThat(o.at("/totals/retried").asLong()).isEqualTo(1); // the failing delivery's first try
        assertThat(o.at("/totals/successRate").asDouble()).isEqualTo(3.0 / 5);
        assertThat(o.at("/totals/p95Ms").isNumber()).isTrue();
        assertThat(o.get("deadLetters").asLong()).isEqualTo(1);
        assertThat(o.at("/outbox/pending").asLong()).isZero();
        assertThat(o.get("series")).hasSize(60);
        long seriesDelivered = 0;
        for (JsonNode p : o.get("series")) {
            seriesDelivered += p.get("delivered").asLong();
        }
        assertThat(seriesDelivered).isEqualTo(3);
        assertThat(o.get("endpoints")).hasSize(2);
        assertThat(o.get("eventTypes").findValuesAsText("eventType"))
                .containsExactly("order.created", "payment.failed");
        assertThat(fx.get("/api/overview?window=24h", VIEW).json().get("series"))
                .hasSize(48); // half-hour points, from the quarter rollups
        assertThat(fx.get("/api/overview?window=soon", VIEW).status()).isEqualTo(400);
        assertThat(fx.get("/api/overview?window=90d", VIEW).json().get("error").asText())
                .contains("90d");
    }

    @Test
    void endpointsCarryHealthAndNeverHeaderValues() throws Exception {
        Answer a = fx.get("/api/endpoints", VIEW);
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.body()).doesNotContain("receiver-credential-never-shown").contains("Authorization");
        JsonNode list = a.json();
        assertThat(list).hasSize(2);
        JsonNode failing = fx.get("/api/endpoints/" + fx.failingEndpoint, VIEW).json();
        assertThat(failing.at("/health/status").asText()).isEqualTo("critical");
        assertThat(failing.at("/health/reasons").toString()).contains("success rate 0.0 %");
        assertThat(failing.at("/health/score").asDouble()).isLessThan(0.5);
        assertThat(failing.get("recentFailures")).hasSize(2);
        JsonNode ok = fx.get("/api/endpoints/" + fx.okEndpoint, VIEW).json();
        assertThat(ok.at("/health/status").asText()).isEqualTo("healthy");
        assertThat(ok.at("/health/score").asDouble()).isEqualTo(1.0);
        assertThat(fx.get("/api/endpoints/not-a-uuid", VIEW).status()).isEqualTo(400);
        assertThat(fx.get("/api/endpoints/" + java.util.UUID.randomUUID(), VIEW).status())
                .isEqualTo(404);
    }

    @Test
    void eachEndpointsHealthIsAMetric() throws Exception {
        fx.get("/api/endpoints", VIEW); // computes the health once, as the refresher does
        dev.ledgerbox.testing.Await.until(
                "both endpoints have health gauges",
                () -> fx.metrics.find("ledgerbox.endpoint.health").gauges().size() == 2);
        double failing = fx.metrics
                .get("ledgerbox.endpoint.health")
                .tag("endpoint", fx.failingEndpoint.toString())
                .gauge()
                .value();
        double ok = fx.metrics
                .get("ledgerbox.endpoint.health")
                .tag("endpoint", fx.okEndpoint.toString())
                .gauge()
                .value();
        assertThat(failing).isLessThan(0.5);
        assertThat(ok).isEqualTo(1.0);
        assertThat(fx.metrics
                        .get("ledgerbox.endpoint.success.rate")
                        .tag("endpoint", fx.failingEndpoint.toString())
                        .gauge()
                        .value())
                .isZero();
        assertThat(fx.metrics
                        .get("ledgerbox.endpoint.latency.p95")
                        .tag("endpoint", fx.okEndpoint.toString())
                        .gauge()
                        .value())
                .isPositive();
    }

    @Test
    void deliveriesFilterAndShowEveryAttempt() throws Exception {
        JsonNode all = fx.get("/api/deliveries", VIEW).json();
        assertThat(all).hasSize(4);
        assertThat(fx.get("/api/deliveries?status=DEAD", VIEW).json()).hasSize(1);
        assertThat(fx.get("/api/deliveries?eventType=order.*", VIEW).json()).hasSize(3);
        assertThat(fx.get("/api/deliveries?correlation=corr-2", VIEW).json()).hasSize(1);
        assertThat(fx.get("/api/deliveries?aggregate=3", VIEW).json()).hasSize(1);
        assertThat(fx.get("/api/deliveries?endpoint=" + fx.okEndpoint, VIEW).json())
                .hasSize(3);
        assertThat(fx.get("/api/deliveries?from=2999-01-01T00:00:00Z", VIEW).json())
                .isEmpty();
        long newest = all.get(0).get("id").asLong();
        assertThat(fx.get("/api/deliveries?before=" + newest, VIEW).json()).hasSize(3);
        assertThat(fx.get("/api/deliveries?limit=2", VIEW).json()).hasSize(2);
        assertThat(fx.get("/api/deliveries?status=LOST", VIEW).status()).isEqualTo(400);
        assertThat(fx.get("/api/deliveries?from=yesterday", VIEW).status()).isEqualTo(400);
        assertThat(fx.get("/api/deliveries?limit=0", VIEW).status()).isEqualTo(400);

        JsonNode dead = fx.get("/api/deliveries/" + deadDeliveryId(), VIEW).json();
        assertThat(dead.get("status").asText()).isEqualTo("DEAD");
        assertThat(dead.at("/body/data/note").asText()).isEqualTo(ConsoleFixture.HOSTILE);
        assertThat(dead.get("attempts")).hasSize(2);
        JsonNode attempt = dead.get("attempts").get(1);
        assertThat(attempt.get("responseStatus").asInt()).isEqualTo(500);
        assertThat(attempt.get("outcome").asText()).isEqualTo("DEAD");
        assertThat(attempt.at("/responseHeaders").toString()).contains("<b>bold</b>");
        assertThat(attempt.get("requestHeaders").has("webhook-signature")).isTrue();
        assertThat(fx.get("/api/deliveries/999999999", VIEW).status()).isEqualTo(404);
        assertThat(fx.get("/api/deliveries/abc", VIEW).status()).isEqualTo(400);
    }

    @Test
    void auditHistoryActorSealAndVerify() throws Exception {
        JsonNode history = fx.get("/api/audit/entity?type=Order&id=1", VIEW).json();
        assertThat(history).hasSize(2);
        assertThat(history.get(0).get("operation").asText()).isEqualTo("INSERT"); // oldest first
        assertThat(history.get(1).at("/diff/cardNumber/new").asText()).isEqualTo("***");
        assertThat(fx.get("/api/audit/actor?actor=bob&since=1h", VIEW).json()).hasSize(1);
        assertThat(fx.get("/api/audit/entity?type=Order", VIEW)
                        .json()
                        .get("error")
                        .asText())
                .isEqualTo("the query parameter 'id' is required");
        assertThat(fx.get("/api/audit/seal", VIEW).json().get("installed").asBoolean())
                .isTrue();
        assertThat(fx.get("/api/audit/verify", VIEW).json().get("intact").asBoolean())
                .isTrue();
    }

    @Test
    void traceShowsEveryKindOfRecordOfOneCorrelationId() throws Exception {
        JsonNode items = fx.get("/api/trace?correlation=corr-1", VIEW).json();
        List<String> kinds = new ArrayList<>();
        items.forEach(i -> kinds.add(i.get("kind").asText()));
        assertThat(kinds).contains("audit", "event", "webhook");
        assertThat(fx.get("/api/trace?correlation=nothing-here", VIEW).json()).isEmpty();
        assertThat(fx.get("/api/trace", VIEW).status()).isEqualTo(400);
    }

    @Test
    void aViewerMayNotActAndASessionNeedsItsCsrfToken() throws Exception {
        String body = "{\"deliveryIds\":[" + deadDeliveryId() + "],\"reason\":\"test\"}";
        Answer viewer = fx.post("/api/dead-letters/replay", VIEW, body);
        assertThat(viewer.status()).isEqualTo(403);
        assertThat(viewer.json().get("error").asText()).contains("operator role");

        ConsoleFixture.Browser browser = fx.new Browser();
        assertThat(browser.signIn(OPERATOR, "wrong").raw().headers().firstValue("Location"))
                .contains("/login?failed");
        assertThat(browser.signIn(OPERATOR, OPERATOR_PASSWORD).status()).isEqualTo(303);
        assertThat(browser.csrf).hasSizeGreaterThan(20);
        Answer noToken = browser.post("/api/endpoints/" + fx.okEndpoint + "/disable", "{\"reason\":\"x\"}", null);
        assertThat(noToken.status()).isEqualTo(403);
        assertThat(noToken.json().get("error").asText()).contains("CSRF");
        assertThat(browser.post("/api/endpoints/" + fx.okEndpoint + "/disable", "{\"reason\":\"x\"}", "forged")
                        .status())
                .isEqualTo(403);
        assertThat(fx.get("/api/endpoints/" + fx.okEndpoint, VIEW)
                        .json()
                        .get("enabled")
                        .asBoolean())
                .isTrue();
        // the same session with its token may act
        Answer disabled = browser.post(
                "/api/endpoints/" + fx.okEndpoint + "/disable", "{\"reason\":\"receiver migrating\"}", browser.csrf);
        assertThat(disabled.status()).isEqualTo(200);
        assertThat(disabled.json().get("enabled").asBoolean()).isFalse();
        Answer enabled =
                browser.post("/api/endpoints/" + fx.okEndpoint + "/enable", "{\"reason\":\"back\"}", browser.csrf);
        assertThat(enabled.json().get("enabled").asBoolean()).isTrue();
        assertThat(ConsoleFixture.sql()
                        .query("SELECT action, reason, actor_id, client_ip, diff::text FROM audit_log"
                                + " WHERE entity_type = 'ledgerbox.webhook_endpoint' ORDER BY id"))
                .extracting(r ->
                        r.get("action") + " " + r.get("reason") + " " + r.get("actor_id") + " " + r.get("client_ip"))
                .containsExactly(
                        "console.disable receiver migrating olga 127.0.0.1", "console.enable back olga 127.0.0.1");
        // a viewer's session is refused before its token is looked at
        ConsoleFixture.Browser viewerBrowser = fx.new Browser();
        viewerBrowser.signIn(VIEWER, VIEWER_PASSWORD);
        assertThat(viewerBrowser
                        .post("/api/dead-letters/replay", body, viewerBrowser.csrf)
                        .status())
                .isEqualTo(403);
        // signing out ends the session
        assertThat(browser.client
                        .send(
                                java.net.http.HttpRequest.newBuilder(java.net.URI.create(fx.url("/logout")))
                                        .header("X-CSRF-Token", browser.csrf)
                                        .POST(java.net.http.HttpRequest.BodyPublishers.noBody())
                                        .build(),
                                java.net.http.HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(303);
        assertThat(browser.get("/api/session").status()).isEqualTo(401);
    }

    @Test
    void disablingNeedsAReasonAndBadBodiesAreNamed() throws Exception {
        String path = "/api/endpoints/" + fx.okEndpoint + "/disable";
        assertThat(fx.post(path, OP, "{}").json().get("error").asText()).contains("needs a reason");
        assertThat(fx.post(path, OP, "not json").json().get("error").asText()).contains("not JSON");
        assertThat(fx.post(path, OP, "[1]").json().get("error").asText()).contains("JSON object");
        assertThat(fx.post("/api/dead-letters/replay", OP, "{\"deliveryIds\":\"7\",\"reason\":\"x\"}")
                        .json()
                        .get("error")
                        .asText())
                .contains("deliveryIds must be a list");
        assertThat(fx.post("/api/dead-letters/replay", OP, "{\"deliveryIds\":[999999],\"reason\":\"x\"}")
                        .json()
                        .get("error")
                        .asText())
                .contains("there is no webhook delivery [999999]");
        assertThat(fx.post("/api/dead-letters/replay", OP, "{\"deliveryIds\":[1]}")
                        .status())
                .isEqualTo(400);
        assertThat(fx.get(path, OP).status()).isEqualTo(405);
        assertThat(fx.get("/api/nothing", OP).status()).isEqualTo(404);
        assertThat(fx.post(path, OP, "x".repeat(70_000)).status()).isEqualTo(413);
    }

    @Test
    void rotatingShowsTheNewSecretOnceAndTheTestEventReachesTheReceiver() throws Exception {
        Answer rotated = fx.post("/api/endpoints/" + fx.okEndpoint + "/rotate-secret", OP, "{\"reason\":\"yearly\"}");
        assertThat(rotated.status()).isEqualTo(200);
        String secret = rotated.json().get("secret").asText();
        assertThat(secret).startsWith("whsec_");
        assertThat(fx.get("/api/endpoints/" + fx.okEndpoint, OP).body()).doesNotContain(secret);
        assertThat(ConsoleFixture.sql()
                        .query("SELECT diff::text AS d FROM audit_log WHERE action = 'console.rotate-secret'"))
                .singleElement()
                .satisfies(r -> assertThat((String) r.get("d")).doesNotContain(secret));
        JsonNode test =
                fx.post("/api/endpoints/" + fx.okEndpoint + "/test", OP, "").json();
        assertThat(test.get("status").asInt()).isEqualTo(204);
        assertThat(test.get("succeeded").asBoolean()).isTrue();
        JsonNode failing = fx.post("/api/endpoints/" + fx.failingEndpoint + "/test", OP, "")
                .json();
        assertThat(failing.get("status").asInt()).isEqualTo(500);
        assertThat(failing.get("succeeded").asBoolean()).isFalse();
    }

    @Test
    void anOperatorReplaysADeadLetterAndTheReplayIsRecordedWithTheirName() throws Exception {
        JsonNode dead = fx.get("/api/dead-letters", VIEW).json();
        assertThat(dead).hasSize(1);
        long id = dead.get(0).get("id").asLong();
        Answer replay =
                fx.post("/api/dead-letters/replay", OP, "{\"deliveryIds\":[" + id + "],\"reason\":\"receiver fixed\"}");
        assertThat(replay.status()).isEqualTo(200);
        assertThat(replay.json().get("deliveries").asInt()).isEqualTo(1);
        List<Map<String, Object>> recorded = ConsoleFixture.sql()
                .query(
                        "SELECT requested_by, reason FROM webhook_replay WHERE id = ?",
                        replay.json().get("replayId").asLong());
        assertThat(recorded).singleElement().satisfies(r -> {
            assertThat(r.get("requested_by")).isEqualTo(OPERATOR);
            assertThat(r.get("reason")).isEqualTo("receiver fixed");
        });
        assertThat(ConsoleFixture.sql().query("SELECT actor_id FROM audit_log WHERE action = 'console.replay'"))
                .extracting(r -> r.get("actor_id"))
                .containsExactly(OPERATOR);
    }

    @Test
    void theOpenApiDescriptionHasExactlyTheRoutes() throws Exception {
        Answer doc = fx.get("/api/openapi.yaml", VIEW);
        assertThat(doc.status()).isEqualTo(200);
        TreeSet<String> described = new TreeSet<>();
        Matcher paths = Pattern.compile("(?m)^  (/api/[^:]+):\\n((?:    .*\\n|      .*\\n)*)")
                .matcher(doc.body());
        while (paths.find()) {
            Matcher methods = Pattern.compile("(?m)^    (get|post):").matcher(paths.group(2));
            while (methods.find()) {
                described.add(methods.group(1).toUpperCase() + " " + paths.group(1));
            }
        }
        assertThat(described).isEqualTo(new TreeSet<>(fx.console.routeList()));
        assertThat(Files.readString(Path.of("src/main/resources/dev/ledgerbox/console/web/openapi.yaml")))
                .isEqualTo(doc.body());
    }

    @Test
    void responsesForbidInlineScriptsAndFraming() throws Exception {
        Answer page = fx.get("/login", null);
        String csp = page.raw().headers().firstValue("Content-Security-Policy").orElseThrow();
        assertThat(csp)
                .contains("script-src 'self'")
                .contains("frame-ancestors 'none'")
                .doesNotContain("unsafe");
        assertThat(page.raw().headers().firstValue("X-Content-Type-Options")).contains("nosniff");
    }
}
