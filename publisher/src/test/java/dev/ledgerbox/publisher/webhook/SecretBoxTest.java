package dev.ledgerbox.publisher.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Sealing at rest: AES-GCM bound to where a value is stored, key ids, refusals that name the problem. */
class SecretBoxTest {

    private static final String K1 = SecretBox.newKey("k1");
    private static final String K2 = SecretBox.newKey("k2");

    @Test
    void aSealedValueOpensOnlyWhereItWasStoredAndWithItsKey() {
        SecretBox box = SecretBox.of(K1, false, "keys");
        String sealed = box.seal("whsec_c2VjcmV0", "webhook_secret:a");
        assertThat(sealed).startsWith("lbx:v1:k1:").doesNotContain("c2VjcmV0");
        assertThat(box.seal("whsec_c2VjcmV0", "webhook_secret:a")).isNotEqualTo(sealed); // a fresh nonce
        assertThat(box.open(sealed, "webhook_secret:a")).isEqualTo("whsec_c2VjcmV0");
        assertThatThrownBy(() -> box.open(sealed, "webhook_secret:b"))
                .hasMessageContaining("does not open with key 'k1'")
                .hasMessageContaining("copied from another row");
        String tampered = sealed.substring(0, sealed.length() - 4) + (sealed.endsWith("AAAA") ? "BBBB" : "AAAA");
        assertThatThrownBy(() -> box.open(tampered, "webhook_secret:a")).isInstanceOf(WebhookException.class);
        assertThatThrownBy(() -> SecretBox.of(K2, false, "keys").open(sealed, "webhook_secret:a"))
                .hasMessageContaining("sealed with key 'k1', which is not configured");
    }

    @Test
    void theFirstKeySealsAndTheOthersStillOpen() {
        String underK1 = SecretBox.of(K1, false, "keys").seal("v", "c");
        SecretBox rotated = SecretBox.of(K2 + "," + K1, false, "keys");
        assertThat(rotated.currentKeyId()).isEqualTo("k2");
        assertThat(rotated.open(underK1, "c")).isEqualTo("v");
        assertThat(rotated.current(underK1)).isFalse();
        assertThat(rotated.current(rotated.seal("v", "c"))).isTrue();
        assertThat(SecretBox.of("# a comment\n" + K2 + "\n" + K1 + "\n", false, "file")
                        .currentKeyId())
                .isEqualTo("k2");
    }

    @Test
    void clearValuesAreReadAsTheyAreButStoredInClearOnlyWhenConfigured() {
        assertThat(SecretBox.none().open("whsec_x", "c")).isEqualTo("whsec_x");
        assertThatThrownBy(() -> SecretBox.none().seal("whsec_x", "c"))
                .hasMessageContaining("set publisher.secrets.keys")
                .hasMessageContaining("publisher.secrets.plaintext=true");
        assertThat(SecretBox.plaintext().seal("whsec_x", "c")).isEqualTo("whsec_x");
        assertThat(SecretBox.plaintext().storesPlaintext()).isTrue();
        assertThat(SecretBox.of(K1, false, "keys").storesPlaintext()).isFalse();
    }

    @Test
    void badKeysAreNamedWithoutTheirMaterial() {
        String material = K1.substring(3);
        assertThatThrownBy(() -> SecretBox.of(material, false, "publisher.secrets.keys"))
                .hasMessageContaining("without a key id")
                .message()
                .doesNotContain(material);
        assertThatThrownBy(() -> SecretBox.of("k1:not base64!", false, "publisher.secrets.keys"))
                .hasMessage("publisher.secrets.keys key 'k1' is not base64");
        assertThatThrownBy(() -> SecretBox.of("k1:c2hvcnQ=", false, "publisher.secrets.keys"))
                .hasMessage("publisher.secrets.keys key 'k1' holds 5 bytes: AES-256 needs 32");
        assertThatThrownBy(() -> SecretBox.of(K1 + "," + K1, false, "publisher.secrets.keys"))
                .hasMessageContaining("names key 'k1' twice");
        assertThat(SecretBox.of(K1, false, "keys").toString()).doesNotContain(material);
        assertThatThrownBy(() -> SecretBox.newKey("no spaces")).hasMessageContaining("'no spaces' is not");
    }
}
