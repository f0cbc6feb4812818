package dev.ledgerbox.publisher.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Rotations one after the other: each retired secret keeps the grace its rotation promised. */
class SecretRotationTest {

    @BeforeEach
    void empty() throws Exception {
        Webhooks.clear();
    }

    @Test
    void aSecondRotationDoesNotCutTheGraceOfTheSecretTheFirstRetired() throws Exception {
        UUID id = Webhooks.endpoint("http://127.0.0.1:9/x", "*").endpoint().id();
        WebhookEndpoints endpoints = Webhooks.endpoints();

        endpoints.rotateSecret(id, Duration.ofMinutes(15));
        endpoints.rotateSecret(id, Duration.ofSeconds(10));

        List<Map<String, Object>> secrets = Webhooks.sql()
                .query(
                        "SELECT round(extract(epoch FROM expires_at - now()))::int AS left_s FROM webhook_secret"
                                + " WHERE endpoint_id = ? ORDER BY id",
                        id);
        assertThat(secrets)
                .extracting(r -> r.get("left_s") == null ? null : Integer.parseInt((String) r.get("left_s")))
                .satisfies(left -> {
                    assertThat(left.get(0))
                            .as("the first secret, retired for 15 min")
                            .isBetween(890, 900);
                    assertThat(left.get(1)).as("the second, retired for 10 s").isBetween(8, 10);
                    assertThat(left.get(2)).as("the current one").isNull();
                });
    }
}
