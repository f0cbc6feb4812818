package dev.ledgerbox.outbox.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Instants written without a formatter must read back as themselves, in both forms. */
class TimestampsTest {

    @Test
    void theIsoFormIsInstantToStringExactly() {
        for (Instant instant : instants()) {
            assertThat(Timestamps.appendIso(new StringBuilder(), instant).toString())
                    .as("%s", instant.getEpochSecond())
                    .isEqualTo(instant.toString());
        }
    }

    @Test
    void thePostgresFormIsWhatTimestamptzReadsToTheMicrosecond() {
        for (Instant instant : instants()) {
            Instant micros = Instant.ofEpochSecond(instant.getEpochSecond(), instant.getNano() / 1_000 * 1_000);
            String text = Timestamps.appendPostgres(new StringBuilder(), micros).toString();
            Instant read = text.contains(" ") // years 1000-9999; the others as Instant.toString
                    ? OffsetDateTime.parse(text.replace(' ', 'T').replace("+00", "Z"))
                            .toInstant()
                    : Instant.parse(text);
            assertThat(read).as(text).isEqualTo(micros);
        }
        assertThat(Timestamps.appendPostgres(new StringBuilder(), Instant.parse("2026-01-09T03:04:05.000020Z")))
                .hasToString("2026-01-09 03:04:05.000020+00");
        assertThat(Timestamps.appendPostgres(new StringBuilder(), Instant.parse("2026-01-09T03:04:05Z")))
                .hasToString("2026-01-09 03:04:05.000000+00");
    }

    private static List<Instant> instants() {
        List<Instant> instants = new ArrayList<>(List.of(
                Instant.EPOCH,
                Instant.ofEpochSecond(-1),
                Instant.ofEpochSecond(-1, 999_999_999),
                Instant.parse("0000-01-01T00:00:00Z"),
                Instant.parse("0000-01-01T00:00:00Z").minusNanos(1),
                Instant.parse("0001-02-03T04:05:06.7Z"),
                Instant.parse("0999-12-31T23:59:59.999999Z"),
                Instant.parse("1000-01-01T00:00:00Z"),
                Instant.parse("1969-12-31T23:59:59.999999Z"),
                Instant.parse("2026-12-02T17:30:00.000001Z"),
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
        return instants;
    }
}
