package dev.ledgerbox.publisher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.outbox.OutboxEvent;
import dev.ledgerbox.outbox.spi.TraceContext;
import dev.ledgerbox.publisher.app.Daemon;
import dev.ledgerbox.testing.EmbeddedDatabase;
import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PostgreSQL stops and starts again under a running publisher: it recovers by itself. */
class DatabaseRestartTest {

    @TempDir
    Path data;

    @Test
    void recoversWhenTheDatabaseComesBack() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        File dir = data.resolve("pg").toFile();
        EmbeddedDatabase db = EmbeddedDatabase.start(false, port, dir).migrate("outbox");
        RecordingSink sink = new RecordingSink();
        PublisherSettings settings = PublisherSettings.from(Map.of(
                "publisher.jdbc.url", db.jdbcUrl(),
                "publisher.jdbc.user", "postgres",
                "publisher.http.port", "-1",
                "publisher.poll-interval", "200ms")::get);
        try (Daemon daemon = new Daemon(settings, sink).start()) {
            UUID before = write(db, "before");
            PublisherTest.await("the first event is delivered", () -> delivered(sink, before));

            db.close(); // the database goes away under the running publisher
            PublisherTest.await(
                    "the publisher notices", () -> !daemon.publisher().databaseReachable());
            db = EmbeddedDatabase.start(false, port, dir);

            UUID after = write(db, "after");
            PublisherTest.await("the event written after the restart is delivered", () -> delivered(sink, after));
            assertThat(daemon.publisher().databaseReachable()).isTrue();
            assertThat(daemon.publisher().alive()).isTrue();
        } finally {
            db.close();
        }
    }

    private static boolean delivered(RecordingSink sink, UUID id) {
        return sink.deliveries.stream().anyMatch(d -> d.event().id().equals(id));
    }

    private static UUID write(EmbeddedDatabase db, String aggregateId) throws SQLException {
        try (Connection c = db.dataSource().getConnection()) {
            return Events.WRITER.write(
                    c,
                    OutboxEvent.of("order", aggregateId, "order.created", Map.of()),
                    "restart",
                    TraceContext.NONE,
                    () -> "test");
        }
    }
}
