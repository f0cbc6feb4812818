package dev.ledgerbox.build;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.outbox.spi.Schemas;
import org.junit.jupiter.api.Test;

/**
 * Every schema's migrations can be found by Flyway inside an application server: on Open Liberty
 * (and WebSphere) Flyway cannot list a classpath directory unless it holds a file named {@code
 * flyway.location}, and without one it applies nothing and records a baseline (the adopter
 * application's test, GettingStartedIT, shows it on a real Liberty).
 */
class SchemaLocationsTest {

    @Test
    void everySchemaShipsFlywaysLocationMarker() {
        for (Schemas.Schema schema : Schemas.ALL) {
            String directory = schema.location().substring("classpath:".length());
            assertThat(getClass().getClassLoader().getResource(directory + "/flyway.location"))
                    .as(schema.name())
                    .isNotNull();
        }
    }
}
