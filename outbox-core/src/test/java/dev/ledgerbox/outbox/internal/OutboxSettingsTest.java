package dev.ledgerbox.outbox.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ledgerbox.outbox.ConfigurationException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutboxSettingsTest {

    @Test
    void hasDefaults() {
        OutboxSettings s = OutboxSettings.from(Map.<String, String>of()::get);
        assertThat(s.dataSource()).isEqualTo("java:comp/DefaultDataSource");
        assertThat(s.maxPayloadBytes()).isEqualTo(1 << 20);
    }

    @Test
    void readsValues() {
        OutboxSettings s = OutboxSettings.from(
                Map.of("outbox.datasource", "jdbc/orders", "outbox.max-payload-bytes", " 4096 ")::get);
        assertThat(s).isEqualTo(new OutboxSettings("jdbc/orders", 4096));
    }

    @Test
    void namesTheKeyAndTheBadValue() {
        assertThatThrownBy(() -> OutboxSettings.from(Map.of("outbox.max-payload-bytes", "1MB")::get))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("outbox.max-payload-bytes must be a whole number of bytes, got '1MB'");
        assertThatThrownBy(() -> OutboxSettings.from(Map.of("outbox.max-payload-bytes", "0")::get))
                .hasMessage("outbox.max-payload-bytes must be between 1 and 67108864, got '0'");
        assertThatThrownBy(() -> OutboxSettings.from(Map.of("outbox.datasource", " ")::get))
                .hasMessage("outbox.datasource must name a JNDI data source, got ''");
    }
}
