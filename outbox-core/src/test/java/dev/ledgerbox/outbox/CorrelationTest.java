package dev.ledgerbox.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CorrelationTest {

    @Test
    void scopesNestAndRestore() {
        assertThat(Correlation.current()).isEmpty();
        try (Correlation.Scope outer = Correlation.open("job-1")) {
            try (Correlation.Scope inner = Correlation.open("job-1.step-2")) {
                assertThat(Correlation.current()).contains("job-1.step-2");
            }
            assertThat(Correlation.current()).contains("job-1");
        }
        assertThat(Correlation.current()).isEmpty();
    }

    @Test
    void acceptsOnlyLogSafeIds() {
        assertThat(Correlation.isAcceptable("9f1c2a4e-77b0-4c7e-bb0e-0d6f0a1e2b3c"))
                .isTrue();
        assertThat(Correlation.isAcceptable("a\nforged log line")).isFalse();
        assertThat(Correlation.isAcceptable("x".repeat(129))).isFalse();
        assertThat(Correlation.isAcceptable("")).isFalse();
        assertThatThrownBy(() -> Correlation.open("bad id"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 'bad id'");
    }
}
