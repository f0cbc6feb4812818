package dev.ledgerbox.publisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** {@link Publisher#close()} returns only when no statement of its own is left running. */
class PublisherCloseTest {

    @Test
    void closeWaitsForARetentionPurgeInProgress() throws Exception {
        Events.clear();
        UUID old = Events.write("order", "order.created", "o-1").get(0);
        Events.sql()
                .execute("UPDATE outbox_event SET status = 'DELIVERED', delivered_at = now() - interval '30 days'"
                        + " WHERE id = '" + old + "'");
        try (Connection holder = Events.db().getConnection()) {
            holder.setAutoCommit(false);
            holder.createStatement().execute("SELECT id FROM outbox_event WHERE id = '" + old + "' FOR UPDATE");

            Publisher publisher = Publisher.builder(Events.db(), Events.settings(Map.of("publisher.lease", "20s")))
                    .build()
                    .start();
            Events.await("the retention purge waits for the row lock", () -> {
                try {
                    return !Events.sql()
                            .query("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                                    + " AND query LIKE 'DELETE FROM outbox_event%'")
                            .isEmpty();
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            CompletableFuture<Void> closing = CompletableFuture.runAsync(publisher::close);
            // the purge cannot finish while the row is held, so neither can close
            assertThatThrownBy(() -> closing.get(500, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
            holder.commit();
            closing.get(20, TimeUnit.SECONDS);
        }
        // close returned after the purge's statement ended: the old event is gone, nothing of its own still runs
        assertThat(Events.sql().query("SELECT 1 FROM outbox_event WHERE id = ?", old))
                .isEmpty();
        assertThat(
                        Events.sql()
                                .query(
                                        "SELECT query FROM pg_stat_activity WHERE datname = current_database()"
                                                + " AND pid <> pg_backend_pid() AND state <> 'idle' AND backend_type = 'client backend'"))
                .isEmpty();
    }
}
