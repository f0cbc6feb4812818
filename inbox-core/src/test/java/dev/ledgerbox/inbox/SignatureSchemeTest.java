package dev.ledgerbox.inbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** The providers' signature forms, computed here independently of the scheme under test. */
class SignatureSchemeTest {

    static final byte[] BODY = "{\"id\":\"evt_1\"}".getBytes(StandardCharsets.UTF_8);
    static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");

    static String hmacHex(String secret, String data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aBodyHmacInAHeaderWithAPrefixAsGitHubSendsIt() throws Exception {
        SignatureScheme scheme = SignatureScheme.hmacSha256("X-Hub-Signature-256", "sha256=", List.of("old", "new"));
        String good = "sha256=" + hmacHex("new", new String(BODY, StandardCharsets.UTF_8));

        assertThat(scheme.verify(Map.of("x-hub-signature-256", good), BODY, NOW))
                .isNull();
        assertThat(scheme.verify(
                        Map.of("x-hub-signature-256", good.toUpperCase().replace("SHA256=", "sha256=")), BODY, NOW))
                .isNull();
        assertThat(scheme.verify(Map.of("x-hub-signature-256", good), "{}".getBytes(StandardCharsets.UTF_8), NOW))
                .isEqualTo("x-hub-signature-256 does not match the body with a current secret");
        assertThat(scheme.verify(Map.of(), BODY, NOW)).isEqualTo("missing x-hub-signature-256 header");
        assertThat(scheme.verify(Map.of("x-hub-signature-256", "md5=abc"), BODY, NOW))
                .isEqualTo("x-hub-signature-256 does not start with 'sha256='");
    }

    @Test
    void theTimestampedFormAsStripeSendsIt() throws Exception {
        SignatureScheme scheme =
                SignatureScheme.timestamped("Stripe-Signature", List.of("whsec_test"), Duration.ofMinutes(5));
        long t = NOW.getEpochSecond() - 30;
        String v1 = hmacHex("whsec_test", t + "." + new String(BODY, StandardCharsets.UTF_8));

        assertThat(scheme.verify(Map.of("stripe-signature", "t=" + t + ",v1=" + v1 + ",v0=ignored"), BODY, NOW))
                .isNull();
        assertThat(scheme.verify(Map.of("stripe-signature", "t=" + t + ",v1=deadbeef,v1=" + v1), BODY, NOW))
                .as("one of several v1 signatures matches")
                .isNull();
        assertThat(scheme.verify(Map.of("stripe-signature", "t=" + (t - 600) + ",v1=" + v1), BODY, NOW))
                .contains("more than the 300 s allowed");
        assertThat(scheme.verify(Map.of("stripe-signature", "v1=" + v1), BODY, NOW))
                .isEqualTo("stripe-signature needs t=<seconds> and v1=<signature>");
        assertThat(scheme.verify(Map.of("stripe-signature", "t=" + t + ",v1=" + v1), "{}".getBytes(), NOW))
                .contains("no v1 signature that matches");
    }

    @Test
    void secretsAreRequiredAndNeverShown() {
        assertThatThrownBy(() -> SignatureScheme.hmacSha256("x-sig", "", List.of()))
                .isInstanceOf(InboxException.class)
                .hasMessage("hmacSha256 needs at least one secret, and no blank one");
        assertThatThrownBy(() -> SignatureScheme.standardWebhooks(List.of("not-a-secret-value"), Duration.ofMinutes(5)))
                .isInstanceOf(InboxException.class)
                .hasMessageStartingWith("a Standard Webhooks secret must be whsec_")
                .hasMessageNotContaining("not-a-secret-value");
        assertThat(SignatureScheme.timestamped("Stripe-Signature", List.of("whsec_test"), Duration.ofMinutes(5))
                        .toString())
                .isEqualTo("timestamped:stripe-signature");
    }
}
