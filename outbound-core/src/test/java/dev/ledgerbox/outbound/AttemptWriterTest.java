package dev.ledgerbox.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.testing.EmbeddedDatabase;
import dev.ledgerbox.testing.SqlRows;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AttemptWriterTest {

    final DataSource db = EmbeddedDatabase.shared().dataSource();
    final SqlRows sql = new SqlRows(db);

    @BeforeEach
    void setUp() throws Exception {
        sql.execute("TRUNCATE outbound_attempt");
    }

    static AttemptRow ended(UUID id, int status, String body) {
        Instant at = Instant.parse("2026-12-02T17:30:00.000001Z");
        return new AttemptRow(new AttemptRow.Request(
                        id,
                        "payments.charges.create:order-7",
                        UUID.randomUUID(),
                        "payments.charges.create",
                        "order-7",
                        1,
                        "http-client",
                        "POST",
                        "http://127.0.0.1/v1/charges",
                        "{\"content-type\":\"application/json\"}",
                        body,
                        null,
                        body.length(),
                        false,
                        "payments.charges.create:order-7",
                        at,
                        null,
                        null,
                        null))
                .ended(new AttemptRow.Response(
                        at.plusMillis(3), 3, status, "{}", body, false, "req_" + status, null, null, null));
    }

    @Test
    void aCompleteRowWrittenOnceMoreIsCompletedInsteadOfRetriedForever() throws Exception {
        UUID id = UUID.randomUUID();
        AttemptWriter writer = new AttemptWriter(db, 100, 500, Thread::new);
        try {
            writer.offer(ended(id, 500, "{}"));
            assertThat(writer.flush(Duration.ofSeconds(10))).isTrue();
            // the same attempt again, as when a batch is retried after its commit's answer was lost
            writer.offer(ended(id, 200, "{}"));
            assertThat(writer.flush(Duration.ofSeconds(10))).isTrue();
        } finally {
            writer.close();
        }
        assertThat(sql.query("SELECT response_status, provider_request_id, requested_at = timestamptz"
                        + " '2026-12-02 17:30:00.000001+00' AND responded_at = timestamptz"
                        + " '2026-12-02 17:30:00.003001+00' AS exact FROM outbound_attempt"))
                .containsExactly(Map.of("response_status", "200", "provider_request_id", "req_200", "exact", "true"));
    }

    @Test
    void textArrivesAsItWasWhateverItsCharactersAndTimesToTheMicrosecond() throws Exception {
        String body = "tab\there, line\nbreak, return\r, backslash \\ and \\N, quote \" and ü, 💳";
        AttemptWriter writer = new AttemptWriter(db, 100, 500, Thread::new);
        try {
            writer.offer(ended(UUID.randomUUID(), 201, body));
            assertThat(writer.flush(Duration.ofSeconds(10))).isTrue();
        } finally {
            writer.close();
        }
        List<Map<String, Object>> rows = sql.query("SELECT request_body, response_body, request_bytes,"
                + " requested_at = timestamptz '2026-12-02 17:30:00.000001+00' AS requested,"
                + " responded_at = timestamptz '2026-12-02 17:30:00.003001+00' AS responded FROM outbound_attempt");
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0))
                .containsEntry("request_body", body)
                .containsEntry("response_body", body)
                .containsEntry("request_bytes", Integer.toString(body.length()))
                .containsEntry("requested", "true")
                .containsEntry("responded", "true");
    }
}
