package dev.ledgerbox.publisher.webhook;

import static dev.ledgerbox.publisher.webhook.Webhooks.await;
import static dev.ledgerbox.publisher.webhook.Webhooks.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.standardwebhooks.Webhook;
import dev.ledgerbox.publisher.webhook.Receiver.Received;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Signing secrets and header values are stored sealed, the dispatcher opens them to sign and send,
 * and a key rotation seals everything under the new key.
 */
class SecretsAtRestTest extends ReceiverTest {

    private static final String K1 = SecretBox.newKey("k1");
    private static final String K2 = SecretBox.newKey("k2");

    private WebhookEndpoints.Created endpoint(SecretBox box) throws Exception {
        return endpoint(box, "/hooks");
    }

    private WebhookEndpoints.Created endpoint(SecretBox box, String path) throws Exception {
        return new WebhookEndpoints(Webhooks.db(), box)
                .add(EndpointSpec.builder(receiver.url(path))
                        .eventTypes("order.*")
                        .allowPrivate(true)
                        .header("Authorization", "Bearer receiver-token-1")
                        .build());
    }

    /** Publishes one event and returns what the receiver got on {@code path}. */
    private Received deliverOne(String path, String keys) throws Exception {
        Webhooks.publish("order", "order.created", "k-" + System.nanoTime());
        try (WebhookDispatcher dispatcher = Webhooks.dispatcher(clock, Map.of("publisher.secrets.keys", keys))) {
            dispatcher.start();
            await("the webhook arrives", () -> receiver.received().stream()
                    .anyMatch(r -> r.path().equals(path)));
        }
        return receiver.received().stream()
                .filter(r -> r.path().equals(path))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void storedSealedAndSentInClear() throws Exception {
        SecretBox box = SecretBox.of(K1, false, "keys");
        var created = endpoint(box);
        UUID id = created.endpoint().id();

        String stored = (String) sql().query("SELECT secret FROM webhook_secret WHERE endpoint_id = ?", id)
                .get(0)
                .get("secret");
        assertThat(stored)
                .startsWith("lbx:v1:k1:")
                .doesNotContain(created.secret().reveal());
        String headers = (String) sql().query("SELECT headers::text AS h FROM webhook_endpoint WHERE id = ?", id)
                .get(0)
                .get("h");
        assertThat(headers).contains("Authorization", "lbx:v1:k1:").doesNotContain("receiver-token-1");
        assertThat(new WebhookEndpoints(Webhooks.db(), box)
                        .find(id)
                        .orElseThrow()
                        .headers())
                .containsEntry("Authorization", "Bearer receiver-token-1");

        Received r = deliverOne("/hooks", K1);
        new Webhook(created.secret().reveal()).verify(r.bodyText(), r.headers()); // throws if it does not verify
        assertThat(r.header("authorization")).isEqualTo("Bearer receiver-token-1");
        // what is stored of the request never holds the header's value either
        assertThat((String) Webhooks.attempts(id).get(0).get("request_headers")).doesNotContain("receiver-token-1");
    }

    @Test
    void aSealedSecretCopiedToAnotherEndpointDoesNotOpen() throws Exception {
        SecretBox box = SecretBox.of(K1, false, "keys");
        UUID first = endpoint(box).endpoint().id();
        UUID second = endpoint(box).endpoint().id();
        sql().execute("UPDATE webhook_secret SET secret = (SELECT secret FROM webhook_secret WHERE endpoint_id = '"
                + first + "') WHERE endpoint_id = '" + second + "'");
        assertThatThrownBy(() -> new WebhookEndpoints(Webhooks.db(), box).signingSecrets(second, Instant.now()))
                .hasMessageContaining("copied from another row");
    }

    @Test
    void rotatingTheKeySealsClearAndOldValuesUnderTheNewOne() throws Exception {
        var clear = endpoint(SecretBox.plaintext(), "/clear"); // stored before encryption was configured
        var old = endpoint(SecretBox.of(K1, false, "keys"), "/old");

        WebhookEndpoints rotating = new WebhookEndpoints(Webhooks.db(), SecretBox.of(K2 + "," + K1, false, "keys"));
        WebhookEndpoints.Resealed done = rotating.reseal();
        assertThat(done.secrets()).isEqualTo(2);
        assertThat(done.headerValues()).isEqualTo(2);
        assertThat(done.keyId()).isEqualTo("k2");
        assertThat(sql().query("SELECT secret FROM webhook_secret"))
                .allSatisfy(row -> assertThat((String) row.get("secret")).startsWith("lbx:v1:k2:"));
        assertThat(rotating.reseal().secrets()).isZero(); // nothing left to do

        // k1 can go: the dispatcher with k2 alone signs for both
        Received r = deliverOne("/old", K2);
        new Webhook(old.secret().reveal()).verify(r.bodyText(), r.headers());
        assertThat(new WebhookEndpoints(Webhooks.db(), SecretBox.of(K2, false, "keys"))
                        .signingSecrets(clear.endpoint().id(), Instant.now())
                        .get(0)
                        .reveal())
                .isEqualTo(clear.secret().reveal());
    }

    @Test
    void withoutAKeyNothingIsStoredAndTheMessageSaysWhatToSet() {
        assertThatThrownBy(() -> endpoint(SecretBox.none()))
                .isInstanceOf(WebhookException.class)
                .hasMessageContaining("publisher.secrets.keys");
        assertThatThrownBy(() -> new WebhookEndpoints(Webhooks.db(), SecretBox.none()).reseal())
                .hasMessageContaining("no key to seal with");
    }

    @Test
    void storingInClearIsWarnedAtStartUp() throws Exception {
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger)
                org.slf4j.LoggerFactory.getLogger(dev.ledgerbox.publisher.Publisher.class);
        var lines = new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
        lines.start();
        log.addAppender(lines);
        try (var publisher = dev.ledgerbox.publisher.Publisher.builder(
                        Webhooks.db(), Webhooks.settings(Map.of("publisher.secrets.plaintext", "true")))
                .build()
                .start()) {
            assertThat(lines.list)
                    .anyMatch(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN
                            && e.getFormattedMessage().contains("stored in clear text"));
        } finally {
            log.detachAppender(lines);
        }
        lines.list.clear();
        log.addAppender(lines);
        try (var publisher = dev.ledgerbox.publisher.Publisher.builder(
                        Webhooks.db(), Webhooks.settings(Map.of("publisher.secrets.keys", K1)))
                .build()
                .start()) {
            assertThat(lines.list).noneMatch(e -> e.getFormattedMessage().contains("clear text"));
        } finally {
            log.detachAppender(lines);
        }
    }

    @Test
    void theKeysComeOneWayAndAKeyFileIsRead() throws Exception {
        assertThatThrownBy(() ->
                        Webhooks.settings(Map.of("publisher.secrets.keys", K1, "publisher.secrets.plaintext", "true")))
                .isInstanceOf(dev.ledgerbox.publisher.ConfigurationException.class)
                .hasMessageContaining("publisher.secrets.plaintext is true and keys are set");
        java.nio.file.Path file = java.nio.file.Files.createTempFile("ledgerbox", ".keys");
        try {
            java.nio.file.Files.writeString(file, "# sealing keys\n" + K2 + "\n" + K1 + "\n");
            assertThatThrownBy(() -> Webhooks.settings(
                            Map.of("publisher.secrets.keys", K1, "publisher.secrets.key-file", file.toString())))
                    .hasMessageContaining("both set");
            SecretBox box = Webhooks.settings(Map.of("publisher.secrets.key-file", file.toString()))
                    .webhook()
                    .secrets();
            assertThat(box.currentKeyId()).isEqualTo("k2");
            assertThat(box.toString()).doesNotContain(K2.substring(3));
        } finally {
            java.nio.file.Files.delete(file);
        }
        assertThatThrownBy(() -> Webhooks.settings(Map.of("publisher.secrets.key-file", "/nonexistent/keys")))
                .hasMessageContaining("publisher.secrets.key-file /nonexistent/keys cannot be read");
    }
}
