package dev.ledgerbox.inbox;

import com.standardwebhooks.Webhook;
import dev.ledgerbox.publisher.webhook.WebhookSecret;
import dev.ledgerbox.testing.EmbeddedDatabase;
import dev.ledgerbox.testing.SqlRows;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/** The shared database with the inbox schema, and requests signed as a Standard Webhooks sender signs. */
final class Inboxes {

    static final String SECRET = WebhookSecret.generate().reveal();

    private Inboxes() {}

    static DataSource db() {
        return EmbeddedDatabase.shared().dataSource();
    }

    static SqlRows sql() {
        return new SqlRows(db());
    }

    static void clear() throws SQLException {
        sql().execute("TRUNCATE inbox_message, inbox_replay");
    }

    /** A request signed with {@link #SECRET} by the official Standard Webhooks library. */
    static InboundRequest.Builder signed(String source, String webhookId, String body, Instant at) throws Exception {
        long seconds = at.getEpochSecond();
        String signature = new Webhook(SECRET).sign(webhookId, seconds, body);
        return InboundRequest.builder(source)
                .header("webhook-id", webhookId)
                .header("webhook-timestamp", Long.toString(seconds))
                .header("webhook-signature", signature)
                .header("content-type", "application/json")
                .header("authorization", "Bearer provider-token-123")
                .header("user-agent", "Provider/1.0")
                .remoteAddress("203.0.113.9")
                .origin("PaymentsResource.paymentSucceeded")
                .body(body.getBytes(StandardCharsets.UTF_8));
    }

    static Map<String, Object> row(long id) throws SQLException {
        return sql().query("SELECT * FROM inbox_message WHERE id = ?", id).get(0);
    }

    static List<Map<String, Object>> rows(String source) throws SQLException {
        return sql().query("SELECT * FROM inbox_message WHERE source = ? ORDER BY id", source);
    }
}
