package dev.ledgerbox.publisher.spi;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

class BoundaryLineTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aFieldEncodedAlreadyIsWrittenAsJsonNotAsAString() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger("ledgerbox.test.boundary");
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.setLevel(ch.qos.logback.classic.Level.INFO);
        logger.addAppender(lines);
        try {
            BoundaryLine.request(logger, "outbound_attempt", 2, "payments.charges.create", "POST", "http://p/v1")
                    .withJson("request_headers", "{\"content-type\":\"application/json\",\"authorization\":\"***\"}")
                    .withJson("absent", null)
                    .with("correlation_id", "payments.charges.create:order-42")
                    .log();
        } finally {
            logger.detachAppender(lines);
        }

        assertThat(lines.list).hasSize(1);
        Map<String, Object> fields = new LinkedHashMap<>();
        for (KeyValuePair kv : lines.list.get(0).getKeyValuePairs()) {
            fields.put(kv.key, kv.value);
        }
        // as a JSON encoder writes key-value pairs: each value through the object mapper
        JsonNode line = JSON.readTree(JSON.writeValueAsString(fields));
        assertThat(line.get("request_headers").isObject()).isTrue();
        assertThat(line.get("request_headers").get("authorization").asText()).isEqualTo("***");
        assertThat(line.get("absent").isNull()).isTrue();
        assertThat(line.get("audit").asText()).isEqualTo("outbound_attempt");
        assertThat(line.get("attempt").asInt()).isEqualTo(2);
        // a plain layout prints the text
        assertThat(String.valueOf(fields.get("request_headers")))
                .isEqualTo("{\"content-type\":\"application/json\",\"authorization\":\"***\"}");
    }
}
