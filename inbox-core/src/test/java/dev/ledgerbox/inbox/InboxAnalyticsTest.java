package dev.ledgerbox.inbox;

import static dev.ledgerbox.inbox.Inboxes.signed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.testing.DocSql;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs docs/inbox.md's analytics and docs/runbooks.md's inbound canary as written, over a day of
 * one source: processed deliveries of two types, a duplicate, a failure, a forged signature.
 */
class InboxAnalyticsTest {

    static List<String> analytics;
    static String canary;

    @BeforeAll
    static void aDayOfPayments() throws Exception {
        Inboxes.clear();
        analytics = DocSql.blocks("inbox.md", "## Analytics", null);
        canary = DocSql.blocks("runbooks.md", "<!-- inbound-canary:start -->", "<!-- inbound-canary:end -->")
                .get(0);
        boolean[] broken = {false};
        try (Inbox inbox = Inbox.builder(Inboxes.db())
                .source(
                        InboxSource.builder("payments")
                                .key(IdempotencyKey.header("webhook-id"))
                                .signature(SignatureScheme.standardWebhooks(
                                        List.of(Inboxes.SECRET), Duration.ofMinutes(5)))
                                .build(),
                        m -> {
                            if (broken[0]) {
                                throw new IllegalStateException("deadlock detected");
                            }
                            return HandlerResult.ok("{}");
                        })
                .build()) {
            Instant now = Instant.now();
            inbox.receive(signed("payments", "m1", "{\"type\":\"payment.succeeded\"}", now)
                    .build());
            inbox.receive(signed("payments", "m2", "{\"type\":\"payment.succeeded\"}", now)
                    .build());
            inbox.receive(signed("payments", "m3", "{\"type\":\"payment.refunded\"}", now)
                    .build());
            inbox.receive(signed("payments", "m1", "{\"type\":\"payment.succeeded\"}", now)
                    .build());
            broken[0] = true;
            inbox.receive(signed("payments", "m4", "{\"type\":\"payment.succeeded\"}", now)
                    .build());
            inbox.receive(signed("payments", "m5", "{\"type\":\"payment.succeeded\"}", now)
                    .header("webhook-signature", "v1,AAAA")
                    .build());
        }
    }

    static List<Map<String, Object>> run(String sql) throws Exception {
        return Inboxes.sql().query(sql);
    }

    @Test
    void theDocumentHasItsFiveQueries() {
        assertThat(analytics).hasSize(5);
    }

    @Test
    void successRateByEventType() throws Exception {
        assertThat(run(analytics.get(0)))
                .extracting(r -> r.get("event_type") + " " + r.get("processed") + "/" + r.get("failed") + " "
                        + r.get("success_pct"))
                .containsExactly("payment.refunded 1/0 100.0", "payment.succeeded 2/1 66.7");
    }

    @Test
    void duplicateRatePerHour() throws Exception {
        assertThat(run(analytics.get(1))).singleElement().satisfies(r -> assertThat(r)
                .containsEntry("received", "6")
                .containsEntry("duplicates", "1")
                .containsEntry("duplicate_pct", "16.7"));
    }

    @Test
    void processingTimePercentiles() throws Exception {
        assertThat(run(analytics.get(2))).singleElement().satisfies(r -> {
            assertThat(r).containsEntry("processed", "3");
            assertThat(r.get("p99_ms")).isNotNull();
        });
    }

    @Test
    void failuresByErrorAndRejectedSignatures() throws Exception {
        assertThat(run(analytics.get(3))).singleElement().satisfies(r -> assertThat(r)
                .containsEntry("error_class", "java.lang.IllegalStateException")
                .containsEntry("error", "deadlock detected")
                .containsEntry("messages", "1"));
        assertThat(run(analytics.get(4))).singleElement().satisfies(r -> assertThat(r)
                .containsEntry("requests", "1")
                .containsEntry(
                        "reject_reason",
                        "signature (standard-webhooks): no webhook-signature matches the"
                                + " body with a current secret"));
    }

    @Test
    void theInboundCanaryCountsWhatIsNotDone() throws Exception {
        assertThat(run(canary)).singleElement().satisfies(r -> assertThat(r)
                .containsEntry("captured", "6")
                .containsEntry("processed", "3")
                .containsEntry("duplicates", "1")
                .containsEntry("refused", "1")
                .containsEntry("failed", "1")
                .containsEntry("open_older_than_1h", "0")
                .containsEntry("not_done", "1"));
    }
}
