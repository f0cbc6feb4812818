package dev.ledgerbox.publisher.webhook;

import static dev.ledgerbox.publisher.webhook.Webhooks.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ledgerbox.publisher.webhook.Deliveries.Prepared;
import dev.ledgerbox.testing.SqlRows;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A claim writes no column an index names, and the schema leaves room on each page: claiming is a
 * HOT update. The stored status stays; reports show a held delivery as {@code CLAIMED}.
 */
class WebhookClaimTest extends ReceiverTest {

    @Test
    void aClaimIsAHotUpdateAndAHeldDeliveryReadsClaimed() throws Exception {
        UUID endpoint = endpoint();
        Webhooks.due(endpoint, "SELECT 'o-' || i, 1 FROM generate_series(1, 40) AS i");
        SqlRows.Updates before = sql().updates("webhook_delivery");

        List<Prepared> held =
                Webhooks.claim("instance-1", endpoint, 40, 60_000, clock.instant(), receiver.url("/hooks"));

        assertThat(held).hasSize(40);
        SqlRows.Updates claimed = sql().updatesSince("webhook_delivery", before, 40);
        assertThat(claimed.all()).as("updates").isEqualTo(40);
        assertThat(claimed.hot()).as("of which HOT").isGreaterThanOrEqualTo(32);

        assertThat(sql().query("SELECT DISTINCT status, claimed_by FROM webhook_delivery"))
                .as("stored: the status as it was, and who holds the delivery")
                .containsExactly(Map.of("status", "PENDING", "claimed_by", "instance-1"));
        assertThat(new DeadLetters(Webhooks.db()).countsByEndpoint().get(receiver.url("/hooks")))
                .containsExactly(Map.entry("CLAIMED", 40L));
    }

    /** The states are checked by domains, whose constraints are prepared once per session. */
    @Test
    void aStateThePublisherDoesNotKnowIsRefusedNamingItsDomain() throws Exception {
        UUID endpoint = endpoint();
        Webhooks.due(endpoint, "SELECT 'o-' || i, 1 FROM generate_series(1, 3) AS i");

        assertThatThrownBy(() -> sql().execute("UPDATE webhook_delivery SET status = 'LOST'"))
                .hasMessageContaining("ledgerbox_webhook_delivery_status_check");
        sql().execute("UPDATE webhook_delivery SET status = 'DEAD'");

        assertThat(sql().query("SELECT DISTINCT status FROM webhook_delivery"))
                .containsExactly(Map.of("status", "DEAD"));
        assertThat(sql().constraint("webhook_delivery_status_check"))
                .contains("::ledgerbox_webhook_delivery_status IS NOT NULL");
        assertThat(sql().constraint("webhook_attempt_outcome_check"))
                .contains("::ledgerbox_webhook_outcome IS NOT NULL");
    }

    /**
     * A delivery of an event written unordered has no number: it neither waits for an open earlier
     * delivery of its aggregate nor holds back a later one.
     */
    @Test
    void anUnorderedDeliveryNeitherWaitsNorHoldsBack() throws Exception {
        UUID endpoint = endpoint();
        UUID viewed = Webhooks.publishUnordered("order", "order.viewed", "o-1");
        assertThat(sql().query("SELECT aggregate_seq FROM webhook_delivery WHERE event_id = ?", viewed))
                .as("routed without a number")
                .containsExactly(java.util.Collections.singletonMap("aggregate_seq", null));
        sql().execute("UPDATE webhook_delivery SET next_attempt_at = now() - interval '1 minute'");
        Webhooks.due(endpoint, "VALUES ('o-1', 1), ('o-1', 2)");

        List<Prepared> held =
                Webhooks.claim("instance-1", endpoint, 10, 60_000, clock.instant(), receiver.url("/hooks"));

        assertThat(held).hasSize(2);
        assertThat(sql().query("SELECT aggregate_seq FROM webhook_delivery WHERE claimed_by IS NOT NULL"
                        + " ORDER BY aggregate_seq NULLS LAST"))
                .as("#1 and the unordered one; #2 waits for #1 only")
                .extracting(r -> r.get("aggregate_seq"))
                .containsExactly("1", null);
    }

    private UUID endpoint() throws Exception {
        return Webhooks.endpoint(receiver.url("/hooks"), "*").endpoint().id();
    }
}
