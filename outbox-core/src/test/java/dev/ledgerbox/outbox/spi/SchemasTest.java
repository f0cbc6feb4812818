package dev.ledgerbox.outbox.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ledgerbox.testing.EmbeddedDatabase;
import java.sql.Connection;
import org.junit.jupiter.api.Test;

/** The test databases apply the one schema list, {@link Schemas#ALL}. */
class SchemasTest {

    @Test
    void testDatabasesApplyTheOneSchemaList() throws Exception {
        assertThat(EmbeddedDatabase.allSchemas())
                .containsExactly(Schemas.ALL.stream().map(Schemas.Schema::name).toArray(String[]::new));
        try (Connection c = EmbeddedDatabase.shared().dataSource().getConnection()) {
            assertThat(Schemas.installed(c, "outbox_event")).isTrue();
            assertThat(Schemas.installed(c, "ledgerbox_no_such_table")).isFalse();
        }
    }

    @Test
    void anUnknownSchemaIsNamed() {
        assertThatThrownBy(() -> EmbeddedDatabase.shared().migrate("outbx"))
                .hasMessage("no Ledgerbox schema named outbx");
        assertThatThrownBy(() -> Schemas.named("outbx")).hasMessage("no Ledgerbox schema named outbx");
    }
}
