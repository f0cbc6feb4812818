package dev.ledgerbox.inbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The configuration keys: what they build, and the errors that name the key and the fix. */
class InboxSettingsTest {

    static InboxSettings read(Map<String, String> values) {
        return InboxSettings.from(values::get);
    }

    @Test
    void sourcesAreBuiltFromTheirKeys() {
        InboxSettings s = read(Map.of(
                "inbox.sources", "payments, github",
                "inbox.source.payments.key", "header:webhook-id",
                "inbox.source.payments.signature", "standard-webhooks",
                "inbox.source.payments.secrets", Inboxes.SECRET,
                "inbox.source.payments.mode", "async",
                "inbox.source.github.key", "header:x-github-delivery+body:/repository/id",
                "inbox.source.github.signature", "hmac-sha256:X-Hub-Signature-256:sha256=",
                "inbox.source.github.secrets", "s1,s2",
                "inbox.source.github.max-body-bytes", "2048",
                "inbox.lease", "2m"));

        assertThat(s.sources()).hasSize(2);
        InboxSource payments = s.sources().get(0);
        assertThat(payments.mode()).isEqualTo(InboxSource.Mode.ASYNC);
        assertThat(payments.signature()).hasToString("standard-webhooks");
        InboxSource github = s.sources().get(1);
        assertThat(github.key().origin()).isEqualTo("header:x-github-delivery+body:/repository/id");
        assertThat(github.signature()).hasToString("hmac-sha256:x-hub-signature-256");
        assertThat(github.maxBodyBytes()).isEqualTo(2048);
        assertThat(s.lease()).isEqualTo(Duration.ofMinutes(2));
        assertThat(s.retention()).isEqualTo(Duration.ofDays(90));
        assertThat(s.outcomeLinger()).isEqualTo(Duration.ofMillis(10));
        assertThat(read(Map.of("inbox.outcome-linger", "50ms")).outcomeLinger()).isEqualTo(Duration.ofMillis(50));
        assertThat(s.dataSource()).isEqualTo("java:comp/DefaultDataSource");
    }

    @Test
    void wrongValuesNameTheKeyAndTheFixButNeverASecret() {
        Map<String, String> base = new HashMap<>(Map.of("inbox.sources", "payments"));
        assertThatThrownBy(() -> read(base))
                .isInstanceOf(InboxException.class)
                .hasMessageStartingWith("inbox.source.payments.key is missing");

        base.put("inbox.source.payments.key", "cookie:session");
        assertThatThrownBy(() -> read(base)).hasMessageStartingWith("inbox.source.payments.key is 'cookie:session'");

        base.put("inbox.source.payments.key", "header:webhook-id");
        base.put("inbox.source.payments.signature", "standard-webhooks");
        assertThatThrownBy(() -> read(base)).hasMessageStartingWith("inbox.source.payments.secrets is missing");

        base.put("inbox.source.payments.secrets", "hunter2-not-whsec");
        assertThatThrownBy(() -> read(base))
                .hasMessageStartingWith("a Standard Webhooks secret must be whsec_")
                .hasMessageNotContaining("hunter2");

        base.put("inbox.source.payments.signature", "none");
        base.put("inbox.source.payments.mode", "later");
        assertThatThrownBy(() -> read(base)).hasMessage("inbox.source.payments.mode is 'later': use sync or async");

        base.put("inbox.source.payments.mode", "sync");
        base.put("inbox.lease", "soon");
        assertThatThrownBy(() -> read(base)).hasMessageStartingWith("inbox.lease is 'soon': write a duration");
    }
}
