package dev.ledgerbox.publisher.webhook;

import static dev.ledgerbox.publisher.webhook.Webhooks.await;
import static dev.ledgerbox.publisher.webhook.Webhooks.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.ContextInitializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.standardwebhooks.Webhook;
import dev.ledgerbox.publisher.webhook.Receiver.Received;
import dev.ledgerbox.publisher.webhook.Receiver.Reply;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/** Signatures, secret rotation, redaction of secrets, and the SSRF guard. */
class WebhookSecurityTest extends ReceiverTest {

    @Test
    void signsLikeTheSpecsTestVector() {
        // the example of the Standard Webhooks specification
        String signature = WebhookSigner.signature(
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8),
                List.of(WebhookSecret.parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")));
        assertThat(signature).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    @Test
    void malformedSecretsAreRefusedWithoutShowingThem() {
        assertThatThrownBy(() -> WebhookSecret.parse("sk_live_abcdef")).hasMessageNotContaining("sk_live_abcdef");
        assertThatThrownBy(() -> WebhookSecret.parse("whsec_c2hvcnQ="))
                .hasMessage("a webhook secret must hold 24 to 64 bytes, this one holds 5");
        assertThat(WebhookSecret.generate().toString()).isEqualTo("whsec_***");
    }

    @Test
    void duringARotationBothSecretsSignAndEachVerifiesAlone() throws Exception {
        var created = Webhooks.endpoint(receiver.url("/hooks"), "*");
        UUID endpointId = created.endpoint().id();
        WebhookSecret next = Webhooks.endpoints().rotateSecret(endpointId, Duration.ofHours(24));
        Webhooks.publish("order", "order.created", "1");

        try (WebhookDispatcher dispatcher = Webhooks.dispatcher(clock, Map.of())) {
            dispatcher.start();
            await("the webhook arrives", () -> receiver.received().size() == 1);

            Received r = receiver.received().get(0);
            assertThat(r.header("webhook-signature").split(" ")).hasSize(2).allMatch(s -> s.startsWith("v1,"));
            new Webhook(created.secret().reveal()).verify(r.bodyText(), r.headers());
            new Webhook(next.reveal()).verify(r.bodyText(), r.headers());

            // the grace period ends: only the new secret signs
            sql().execute(
                            "UPDATE webhook_secret SET expires_at = now() - interval '1 second' WHERE expires_at IS NOT NULL");
            dispatcher.refreshEndpoints();
            Thread.sleep(100);
            Webhooks.publish("order", "order.created", "2");
            dispatcher.wake();
            await("the second webhook arrives", () -> receiver.received().size() == 2);
        }
        Received second = receiver.received().get(1);
        assertThat(second.header("webhook-signature").split(" ")).hasSize(1);
        new Webhook(next.reveal()).verify(second.bodyText(), second.headers());
        assertThatThrownBy(() -> new Webhook(created.secret().reveal()).verify(second.bodyText(), second.headers()))
                .isInstanceOf(com.standardwebhooks.exceptions.WebhookVerificationException.class);
    }

    @Test
    void noSecretAppearsInAnyAttemptRowOrLogLine() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(getClass().getResource("/logback.xml"));
        String token = "Bearer tok-" + UUID.randomUUID();
        WebhookEndpoints.Created created;
        WebhookSecret rotated;
        try {
            receiver.then(Reply.status(500).withHeader("Set-Cookie", "session=cookie-secret-123"));
            created = Webhooks.endpoints()
                    .add(EndpointSpec.builder(receiver.url("/hooks"))
                            .allowPrivate(true)
                            .header("Authorization", token)
                            .header("X-Tenant", "acme")
                            .build());
            rotated = Webhooks.endpoints().rotateSecret(created.endpoint().id(), Duration.ofHours(1));
            Webhooks.publish("order", "order.created", "1");
            try (WebhookDispatcher dispatcher = Webhooks.dispatcher(clock, Map.of())) {
                dispatcher.start();
                await(
                        "two attempts",
                        sql(() -> "DELIVERED"
                                        .equals(Webhooks.deliveries(
                                                        created.endpoint().id())
                                                .get(0)
                                                .get("status"))
                                || advance(dispatcher)));
            }
        } finally {
            System.setOut(stdout);
            context.reset();
            new ContextInitializer(context).autoConfig();
        }
        assertThat(receiver.received().get(0).header("authorization"))
                .as("the receiver gets the header")
                .isEqualTo(token);

        List<String> places = new ArrayList<>();
        for (String table : List.of("webhook_attempt", "webhook_delivery", "webhook_message", "webhook_replay")) {
            sql().query("SELECT t::text AS row FROM " + table + " t")
                    .forEach(row -> places.add((String) row.get("row")));
        }
        String logs = captured.toString(StandardCharsets.UTF_8);
        places.add(logs);
        assertThat(places).isNotEmpty().allSatisfy(text -> assertThat(text)
                .doesNotContain(token)
                .doesNotContain("tok-")
                .doesNotContain(created.secret().reveal().substring(6))
                .doesNotContain(rotated.reveal().substring(6))
                .doesNotContain("cookie-secret-123"));
        Map<String, Object> first = Webhooks.attempts(created.endpoint().id()).get(0);
        assertThat((String) first.get("request_headers"))
                .contains("\"Authorization\": \"[redacted]\"")
                .contains("\"X-Tenant\": \"acme\"");
        assertThat((String) first.get("response_headers")).contains("\"set-cookie\": \"[redacted]\"");

        ObjectMapper json = new ObjectMapper();
        List<JsonNode> audit = new ArrayList<>();
        for (String line : logs.split("\n")) {
            if (line.contains("boundary_audit")) {
                audit.add(json.readTree(line));
            }
        }
        assertThat(audit)
                .extracting(n -> n.get("phase").asText())
                .containsExactly("request", "response", "request", "response");
        assertThat(audit).allSatisfy(n -> {
            assertThat(n.get("message").asText())
                    .startsWith("boundary_audit " + n.get("phase").asText());
            assertThat(n.get("correlation_id").asText()).isEqualTo("corr-1");
            assertThat(n.get("trace_id").asText()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
            assertThat(n.get("event_id").asText()).isNotBlank();
            assertThat(n.get("endpoint_id").asText())
                    .isEqualTo(created.endpoint().id().toString());
            assertThat(n.get("audit").asText()).isEqualTo("webhook_attempt");
            assertThat(n.get("audit_version").asInt()).isEqualTo(2);
            assertThat(n.get("destination").asText())
                    .isEqualTo("webhook:" + created.endpoint().id());
            assertThat(n.get("method").asText()).isEqualTo("POST");
            assertThat(n.get("payload_sha256").asText()).hasSize(64);
        });
        assertThat(audit).extracting(n -> n.get("attempt").asInt()).containsExactly(1, 1, 2, 2);
        assertThat(audit.get(1).get("status").asInt()).isEqualTo(500);
        assertThat(audit.get(3).get("outcome").asText()).isEqualTo("DELIVERED");
    }

    private boolean advance(WebhookDispatcher dispatcher) {
        clock.advance(Duration.ofSeconds(1));
        dispatcher.wake();
        return false;
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "http://127.0.0.1/hook",
                "http://localhost:8080/hook",
                "http://10.1.2.3/hook",
                "http://172.16.5.4/hook",
                "http://192.168.1.1/hook",
                "http://169.254.169.254/latest/meta-data/",
                "http://100.64.0.7/hook",
                "http://0.0.0.0/hook",
                "http://[::1]/hook",
                "http://[fd12:3456::1]/hook",
                "http://[fe80::1]/hook",
                "http://[::ffff:127.0.0.1]/hook",
                "http://[::ffff:169.254.169.254]/hook"
            })
    void internalTargetsAreRefusedAtRegistration(String url) {
        assertThatThrownBy(() -> EndpointSpec.builder(url).build())
                .isInstanceOf(WebhookException.class)
                .hasMessageContaining("refused (create the endpoint with allow-private");
    }

    @Test
    void badUrlsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> EndpointSpec.builder("ftp://example.com/x").build())
                .hasMessage("endpoint URL 'ftp://example.com/x' must start with https:// (or http://)");
        assertThatThrownBy(() ->
                        EndpointSpec.builder("https://user:pw@example.com/x").build())
                .hasMessageContaining("carries credentials")
                .hasMessageNotContaining("pw");
        assertThatThrownBy(() -> EndpointSpec.builder("not a url").build()).hasMessageContaining("is not a URL");
        assertThatThrownBy(() -> EndpointSpec.builder("https://93.184.216.34/x")
                        .eventTypes("order.**")
                        .build())
                .hasMessageContaining("event type filter 'order.**' is not valid");
        assertThatThrownBy(() -> EndpointSpec.builder("https://93.184.216.34/x")
                        .header("webhook-id", "x")
                        .build())
                .hasMessage("header 'webhook-id' is set by the publisher and cannot be overridden");
        assertThat(EndpointSpec.builder("https://93.184.216.34/x").build().eventTypes())
                .containsExactly("*");
    }

    @Test
    void aNameThatResolvesInsideIsRefusedByTheResolverAtConnectTime() throws Exception {
        var created = Webhooks.endpoint(receiver.url("/hooks").replace("127.0.0.1", "localhost"), "*");
        sql().execute("UPDATE webhook_endpoint SET allow_private = false");
        Webhooks.publish("order", "order.created", "1");
        try (WebhookDispatcher dispatcher = Webhooks.dispatcher(clock, Map.of())) {
            dispatcher.start();
            await(
                    "the attempt is recorded",
                    sql(() -> !Webhooks.attempts(created.endpoint().id()).isEmpty()
                            && Webhooks.attempts(created.endpoint().id()).get(0).get("outcome") != null));
        }
        Map<String, Object> attempt = Webhooks.attempts(created.endpoint().id()).get(0);
        assertThat((String) attempt.get("error_message")).contains("endpoint host 'localhost' resolves to");
        assertThat(receiver.received()).isEmpty();
    }

    @Test
    void anInternalTargetIsRefusedAgainAtConnectTime() throws Exception {
        // as if the endpoint had been written to the table by hand, or its DNS name had changed
        var created = Webhooks.endpoint(receiver.url("/hooks"), "*");
        sql().execute("UPDATE webhook_endpoint SET allow_private = false");
        Webhooks.publish("order", "order.created", "1");
        try (WebhookDispatcher dispatcher = Webhooks.dispatcher(clock, Map.of())) {
            dispatcher.start();
            await(
                    "the attempt is recorded",
                    sql(() -> !Webhooks.attempts(created.endpoint().id()).isEmpty()
                            && Webhooks.attempts(created.endpoint().id()).get(0).get("outcome") != null));
        }
        Map<String, Object> attempt = Webhooks.attempts(created.endpoint().id()).get(0);
        assertThat((String) attempt.get("error_class")).endsWith("RefusedTargetException");
        assertThat((String) attempt.get("error_message")).contains("resolves to 127.0.0.1, a loopback address");
        assertThat(receiver.received()).isEmpty();
    }
}
