package dev.ledgerbox.audit.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.testing.EmbeddedDatabase;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.container.annotation.ArquillianTest;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The request's client, user agent and correlation id reach the audit row. Runs as a client. */
@ArquillianTest
class AuditOverHttpIT {

    @Deployment(testable = false)
    static WebArchive deployment() {
        return Deployments.auditApp("audit-http", AccountServlet.class);
    }

    @ArquillianResource
    URL base;

    final HttpClient http = HttpClient.newHttpClient();
    final Rows rows = new Rows(EmbeddedDatabase.shared().dataSource());

    @BeforeEach
    void clear() throws Exception {
        rows.clear();
    }

    @Test
    void storesTheClientTheUserAgentAndTheRequestId() throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(base + "accounts?name=eve"))
                        .header("X-Request-Id", "req-audit-1")
                        .header("User-Agent", "ledgerbox-test/1.0")
                        // loopback is not a trusted proxy: this header must be ignored
                        .header("X-Forwarded-For", "198.51.100.7")
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        Map<String, Object> row = rows.audit().get(0);
        assertThat(row)
                .containsEntry("entity_id", response.body())
                .containsEntry("correlation_id", "req-audit-1")
                .containsEntry("user_agent", "ledgerbox-test/1.0")
                .containsEntry("actor_id", "batch")
                .containsEntry("hash_matches", "true");
        assertThat((String) row.get("client_ip")).isIn("127.0.0.1", "::1");
    }
}
