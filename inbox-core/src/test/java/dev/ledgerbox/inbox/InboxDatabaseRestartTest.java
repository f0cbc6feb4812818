package dev.ledgerbox.inbox;

import static dev.ledgerbox.inbox.Inboxes.signed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.inbox.Reception.Disposition;
import dev.ledgerbox.testing.EmbeddedDatabase;
import dev.ledgerbox.testing.SqlRows;
import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/** PostgreSQL stops while a provider delivers: 503, the sender retries once it is back, nothing is lost. */
class InboxDatabaseRestartTest {

    @TempDir
    Path data;

    @Test
    void aDeliveryDuringAnOutageIsAnswered503AndItsRetryIsProcessedOnceTheDatabaseIsBack() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        File dir = data.resolve("pg").toFile();
        EmbeddedDatabase db = EmbeddedDatabase.start(false, port, dir).migrate("inbox");
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(db.jdbcUrl() + "&connectTimeout=2");
        AtomicInteger runs = new AtomicInteger();
        String body = "{\"type\":\"payment.succeeded\",\"data\":{\"order\":\"42\"}}";
        try (Inbox inbox = Inbox.builder(ds)
                .source(
                        InboxSource.builder("payments")
                                .key(IdempotencyKey.header("webhook-id"))
                                .signature(SignatureScheme.standardWebhooks(
                                        List.of(Inboxes.SECRET), Duration.ofMinutes(5)))
                                .build(),
                        m -> {
                            runs.incrementAndGet();
                            return HandlerResult.ok("paid");
                        })
                .build()) {
            db.close(); // the database goes away
            Reception during = inbox.receive(
                    signed("payments", "msg_outage", body, Instant.now()).build());

            assertThat(during.disposition()).isEqualTo(Disposition.UNAVAILABLE);
            assertThat(during.status()).isEqualTo(503);
            assertThat(runs).hasValue(0);

            db = EmbeddedDatabase.start(false, port, dir);
            Reception retried = inbox.receive(
                    signed("payments", "msg_outage", body, Instant.now()).build());

            assertThat(retried.status()).isEqualTo(200);
            assertThat(runs).hasValue(1);
            inbox.awaitOutcomes();
            assertThat(new SqlRows(db.dataSource()).query("SELECT idempotency_key, status FROM inbox_message"))
                    .containsExactly(Map.of("idempotency_key", "msg_outage", "status", "PROCESSED"));
        } finally {
            db.close();
        }
    }
}
