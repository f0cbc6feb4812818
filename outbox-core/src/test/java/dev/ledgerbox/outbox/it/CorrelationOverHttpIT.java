package dev.ledgerbox.outbox.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.testing.EmbeddedDatabase;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.container.annotation.ArquillianTest;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The correlation id of an HTTP request reaches the outbox row and is echoed back. Runs as a client. */
@ArquillianTest
class CorrelationOverHttpIT {

    @Deployment(testable = false)
    static WebArchive deployment() {
        return Deployments.outboxApp("outbox-http", PlaceServlet.class);
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
    void takesTheRequestIdIntoTheEventAndEchoesIt() throws Exception {
        HttpResponse<String> response = place("X-Request-Id", "req-2026-11-24-0001");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Request-Id")).contains("req-2026-11-24-0001");
        assertThat(rows.events()).singleElement().satisfies(e -> assertThat(e)
                .containsEntry("correlation_id", "req-2026-11-24-0001")
                .containsEntry("aggregateid", response.body()));
    }

    @Test
    void acceptsXCorrelationIdToo() throws Exception {
        place("X-Correlation-Id", "corr-77");

        assertThat(rows.events()).extracting(e -> e.get("correlation_id")).containsExactly("corr-77");
    }

    @Test
    void generatesAnIdWhenNoneOrAnUnsafeOneIsSent() throws Exception {
        HttpResponse<String> none = place(null, null);
        HttpResponse<String> unsafe = place("X-Request-Id", "<script>alert(1)</script>");

        String generated = none.headers().firstValue("X-Request-Id").orElseThrow();
        String replaced = unsafe.headers().firstValue("X-Request-Id").orElseThrow();
        assertThat(generated).hasSize(36);
        assertThat(replaced).hasSize(36).isNotEqualTo(generated);
        List<Map<String, Object>> events = rows.events();
        assertThat(events).extracting(e -> e.get("correlation_id")).containsExactly(generated, replaced);
    }

    private HttpResponse<String> place(String header, String value) throws Exception {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(base + "place?sku=HTTP-1")).POST(HttpRequest.BodyPublishers.noBody());
        if (header != null) {
            request.header(header, value);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
