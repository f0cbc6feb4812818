package dev.ledgerbox.publisher.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ledgerbox.console.Console;
import dev.ledgerbox.console.ConsoleSettings;
import dev.ledgerbox.console.Passwords;
import dev.ledgerbox.testing.EmbeddedDatabase;
import dev.ledgerbox.testing.SqlRows;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The console's trace with every module installed (this module's class path has them all): an
 * audited change, its event, an inbound message and the outbound call it made, under one
 * correlation id, on one timeline in time order.
 */
class ConsoleTraceTest {

    @Test
    void oneCorrelationIdAcrossEveryBoundary() throws Exception {
        SqlRows sql = new SqlRows(EmbeddedDatabase.shared().dataSource());
        String id = "trace-" + System.nanoTime();
        sql.execute(
                "INSERT INTO inbox_message (source, idempotency_key, key_origin, status, received_at, body, body_sha256,"
                        + " body_bytes, correlation_id, response_status) VALUES ('payments', 'evt_1', 'header:webhook-id',"
                        + " 'PROCESSED', now() - interval '4 seconds', '\\x7b7d', repeat('0', 64), 2, '" + id
                        + "', 200);"
                        + " INSERT INTO audit_log (occurred_at, entity_type, entity_id, operation, diff, actor_id, correlation_id)"
                        + " VALUES (now() - interval '3 seconds', 'Order', '42', 'UPDATE',"
                        + " '{\"status\":{\"old\":\"NEW\",\"new\":\"PAID\"}}', 'alice', '" + id + "');"
                        + " SELECT ledgerbox_emit('order', '42', 'order.paid', '{\"id\": 42}'::jsonb, '" + id + "');"
                        + " INSERT INTO outbound_attempt (attempt_id, correlation_id, call_id, destination, attempt, transport,"
                        + " request_method, request_url, request_headers, requested_at, responded_at, duration_ms, response_status,"
                        + " origin_correlation_id) VALUES (gen_random_uuid(), 'payments:42', gen_random_uuid(), 'payments', 1,"
                        + " 'java.net.http', 'POST', 'https://pay.example.com/v1/charges', '{}', now() + interval '1 second',"
                        + " now() + interval '2 seconds', 1000, 201, '" + id + "')");
        String password = "trace-test-password";
        ConsoleSettings settings = ConsoleSettings.from(Map.of(
                "publisher.console.port",
                "0",
                "publisher.console.users",
                "t:viewer:" + Passwords.hash(password.toCharArray()))::get);
        try (Console console = Console.builder(EmbeddedDatabase.shared().dataSource(), settings)
                .build()
                .start()) {
            HttpResponse<String> r = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(
                                            "http://127.0.0.1:" + console.port() + "/api/trace?correlation=" + id))
                                    .header(
                                            "Authorization",
                                            "Basic "
                                                    + Base64.getEncoder()
                                                            .encodeToString(
                                                                    ("t:" + password).getBytes(StandardCharsets.UTF_8)))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode items = new ObjectMapper().readTree(r.body());
            List<String> kinds = new ArrayList<>();
            items.forEach(i -> kinds.add(i.get("kind").asText()));
            assertThat(kinds).containsExactly("inbound", "audit", "event", "outbound");
            assertThat(items.get(0).get("title").asText()).isEqualTo("payments evt_1");
            assertThat(items.get(3).get("title").asText())
                    .isEqualTo("POST payments https://pay.example.com/v1/charges");
            assertThat(items.get(3).get("responseStatus").asInt()).isEqualTo(201);
        }
    }
}
