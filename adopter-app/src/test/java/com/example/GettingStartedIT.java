package com.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.testing.EmbeddedDatabase;
import dev.ledgerbox.testing.SqlRows;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The application made of docs/getting-started.md's snippets, on Open Liberty with the server.xml
 * the page shows, against a PostgreSQL it has never seen: it applies the migrations at start-up,
 * writes the outbox events and audit rows in the business transactions, with the request's
 * correlation id and the actor its provider names.
 */
class GettingStartedIT {

    private static final Path CONSOLE = Path.of("target", "app-console.log");

    private static EmbeddedDatabase db;
    private static Process liberty;
    private static int httpPort;
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startTheDatabaseThenTheServer() throws Exception {
        db = EmbeddedDatabase.start(false, 0);
        httpPort = freePort();
        ProcessBuilder server = new ProcessBuilder(
                        Path.of("target", "liberty", "wlp", "bin", "server").toString(), "run", "app")
                .redirectErrorStream(true)
                .redirectOutput(CONSOLE.toFile());
        // the variables server.xml declares, set the way the page says: environment variables
        Map<String, String> env = server.environment();
        env.put("HTTP_PORT", Integer.toString(httpPort));
        env.put("DB_HOST", "localhost");
        env.put("DB_PORT", Integer.toString(db.port()));
        env.put("DB_NAME", "postgres");
        env.put("DB_USER", db.user());
        env.put("DB_PASSWORD", db.password());
        liberty = server.start();
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (!console().contains("CWWKZ0001I")) { // the application started
            assertThat(console()).as("Liberty's console").doesNotContain("CWWKZ0002E", "CWWKZ0004E", "CWWKZ0012I");
            assertThat(liberty.isAlive())
                    .as("Liberty runs; its console:%n%s", console())
                    .isTrue();
            assertThat(System.nanoTime())
                    .as("the application starts within 3 minutes")
                    .isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (liberty != null) {
            liberty.destroy(); // SIGTERM: Liberty stops in order
            liberty.waitFor();
        }
        if (db != null) {
            db.close();
        }
    }

    @Test
    void anOrderPlacedAndPaidLeavesItsEventsAndAuditRowsWithTheRequestsCorrelationIds() throws Exception {
        HttpResponse<String> placed = post("/api/orders", "adopt-1", "{\"customer\":\"ada\",\"total\":42.50}");
        assertThat(placed.statusCode()).as(placed.body()).isEqualTo(200);
        assertThat(placed.body()).contains("\"status\":\"NEW\"", "\"customer\":\"ada\"");
        assertThat(placed.headers().firstValue("X-Request-Id")).hasValue("adopt-1");
        long id = Long.parseLong(placed.body().replaceAll(".*\"id\":(\\d+).*", "$1"));

        HttpResponse<String> paid = post("/api/orders/" + id + "/pay", "adopt-2", "");
        assertThat(paid.statusCode()).as(paid.body()).isEqualTo(200);
        assertThat(paid.body()).contains("\"status\":\"PAID\"");

        SqlRows sql = new SqlRows(db.dataSource());
        assertThat(sql.query("SELECT type, aggregateid, correlation_id FROM outbox_event"
                        + " WHERE aggregatetype = 'order' ORDER BY aggregate_seq"))
                .containsExactly(
                        Map.of("type", "order.placed", "aggregateid", "" + id, "correlation_id", "adopt-1"),
                        Map.of("type", "order.paid", "aggregateid", "" + id, "correlation_id", "adopt-2"));
        List<Map<String, Object>> audit = sql.query(
                "SELECT coalesce(action, '') AS action, actor_id, correlation_id, diff::text AS diff FROM audit_log"
                        + " WHERE entity_type = 'ShopOrder' AND entity_id = ? ORDER BY id",
                "" + id);
        assertThat(audit).hasSize(2);
        assertThat(audit.get(0)).containsEntry("actor_id", "system").containsEntry("correlation_id", "adopt-1");
        assertThat(audit.get(1))
                .containsEntry("action", "order.paid")
                .containsEntry("actor_id", "system")
                .containsEntry("correlation_id", "adopt-2");
        assertThat((String) audit.get(1).get("diff")).contains("\"old\": \"NEW\"", "\"new\": \"PAID\"");

        // a refused change leaves nothing: the event and the audit row roll back with it
        HttpResponse<String> again = post("/api/orders/" + id + "/pay", "adopt-3", "");
        assertThat(again.statusCode()).isGreaterThanOrEqualTo(400);
        assertThat(sql.query("SELECT 1 FROM outbox_event WHERE correlation_id = 'adopt-3'"))
                .isEmpty();
        assertThat(sql.query("SELECT 1 FROM audit_log WHERE correlation_id = 'adopt-3'"))
                .isEmpty();
    }

    @Test
    void theMigrationsRanFromTheApplicationOneHistoryTablePerSchema() throws Exception {
        // each location found (Flyway needs flyway.location in it on Liberty), none looked for in vain
        assertThat(console())
                .doesNotContain(
                        "Unable to resolve location classpath:db/ledgerbox",
                        "Unable to resolve location classpath:db/migration",
                        "No migrations found");
        SqlRows sql = new SqlRows(db.dataSource());
        for (String history :
                List.of("ledgerbox_outbox_schema_history", "ledgerbox_audit_schema_history", "flyway_schema_history")) {
            assertThat(sql.query("SELECT 1 FROM " + history + " WHERE success"))
                    .as(history)
                    .isNotEmpty();
        }
    }

    private static HttpResponse<String> post(String path, String requestId, String json) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + path))
                        .header("Content-Type", "application/json")
                        .header("X-Request-Id", requestId)
                        .POST(HttpRequest.BodyPublishers.ofString(json))
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String console() throws IOException {
        return Files.exists(CONSOLE) ? Files.readString(CONSOLE) : "";
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
