package dev.ledgerbox.publisher.webhook;

import static dev.ledgerbox.publisher.webhook.Webhooks.sql;
import static org.assertj.core.api.Assertions.assertThat;

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
        UUID endpoint = new WebhookEndpoints(Webhooks.db(), SecretBox.plaintext())
                .add(EndpointSpec.builder(receiver.url("/hooks"))
                        .allowPrivate(true)
                        .build())
                .endpoint()
                .id();
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
}
