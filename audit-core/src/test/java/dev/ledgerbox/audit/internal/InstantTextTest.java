package dev.ledgerbox.audit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.audit.internal.canonical.JsonbText;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** An instant in a diff is written without a formatter: it must be exactly {@link Instant#toString()}. */
class InstantTextTest {

    @Test
    void everyInstantIsWrittenAsItsToString() {
        List<Instant> instants = new ArrayList<>(List.of(
                Instant.EPOCH,
                Instant.ofEpochSecond(-1),
                Instant.ofEpochSecond(-1, 999_999_999),
                Instant.parse("0000-01-01T00:00:00Z"),
                Instant.parse("0000-01-01T00:00:00Z").minusNanos(1),
                Instant.parse("0001-02-03T04:05:06.7Z"),
                Instant.parse("1969-12-31T23:59:59.999999Z"),
                Instant.parse("2026-12-04T10:00:00Z"),
                Instant.parse("2026-12-04T10:00:00.120Z"),
                Instant.parse("2026-12-04T10:00:00.123400Z"),
                Instant.parse("2026-12-04T10:00:00.000000001Z"),
                Instant.parse("2024-02-29T23:59:59Z"),
                Instant.parse("9999-12-31T23:59:59.999999999Z"),
                Instant.parse("+10000-01-01T00:00:00Z"),
                Instant.MIN,
                Instant.MAX));
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 20_000; i++) {
            long second = random.nextLong(-70_000_000_000L, 260_000_000_000L);
            int nano =
                    switch (i % 4) {
                        case 0 -> 0;
                        case 1 -> random.nextInt(1000) * 1_000_000;
                        case 2 -> random.nextInt(1_000_000) * 1_000;
                        default -> random.nextInt(1_000_000_000);
                    };
            instants.add(Instant.ofEpochSecond(second, nano));
        }
        for (Instant instant : instants) {
            StringBuilder written = new StringBuilder();
            ValueRenderer.appendInstant(written, instant);
            StringBuilder expected = new StringBuilder();
            JsonbText.string(expected, instant.toString());
            assertThat(written.toString()).as("%s", instant).isEqualTo(expected.toString());
        }
    }
}
