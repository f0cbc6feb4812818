package dev.ledgerbox.publisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ledgerbox.publisher.engine.RetryPolicy;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PublisherSettingsTest {

    private static PublisherSettings read(String... keyValues) {
        Map<String, String> values = new HashMap<>();
        values.put("publisher.jdbc.url", "jdbc:postgresql://db/app");
        for (int i = 0; i < keyValues.length; i += 2) {
            values.put(keyValues[i], keyValues[i + 1]);
        }
        return PublisherSettings.from(values::get);
    }

    @Test
    void hasDefaultsForEverythingButTheDatabase() {
        PublisherSettings s = read();

        assertThat(s.batchSize()).isEqualTo(100);
        assertThat(s.lease()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.retention()).isEqualTo(Duration.ofDays(7));
        assertThat(s.instanceId()).contains("@");
        assertThatThrownBy(() -> PublisherSettings.from(k -> null))
                .hasMessageContaining("publisher.jdbc.url is not set")
                .hasMessageContaining("PUBLISHER_JDBC_URL");
    }

    @Test
    void readsDurationsInShortAndIsoForms() {
        assertThat(read("publisher.poll-interval", "500ms").pollInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(read("publisher.lease", "PT2M").lease()).isEqualTo(Duration.ofMinutes(2));
        assertThat(read("publisher.retention", "0").retention()).isZero();
    }

    @Test
    void namesTheKeyAndTheBadValue() {
        assertThatThrownBy(() -> read("publisher.batch-size", "lots"))
                .hasMessage("publisher.batch-size is 'lots': it must be a whole number from 1 to 10000");
        assertThatThrownBy(() -> read("publisher.lease", "soon"))
                .hasMessageContaining("publisher.lease is 'soon': it must be a duration");
        assertThatThrownBy(() -> read("publisher.log.payload", "yes"))
                .hasMessage("publisher.log.payload is 'yes': it must be true or false");
        assertThatThrownBy(() -> read("publisher.jdbc.url", "jdbc:mysql://db/app"))
                .hasMessageContaining("it must be a PostgreSQL JDBC URL");
    }

    @Test
    void backsOffExponentiallyUpToTheMaximum() {
        PublisherSettings settings =
                read("publisher.retry.base", "1s", "publisher.retry.max", "10s", "publisher.max-attempts", "61");
        RetryPolicy s = settings.retryPolicy(() -> 0.5); // the middle of the jitter: the schedule itself

        assertThat(s.delayAfter(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(s.delayAfter(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.delayAfter(4)).isEqualTo(Duration.ofSeconds(8));
        assertThat(s.delayAfter(5)).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.delayAfter(60)).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.delayAfter(61)).as("after the last attempt: none").isNull();
    }

    @Test
    void neverShowsThePassword() {
        assertThat(read("publisher.jdbc.password", "s3cr3t").toString()).doesNotContain("s3cr3t");
    }
}
