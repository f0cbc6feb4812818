package com.example;

import jakarta.annotation.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

@ApplicationScoped
public class LedgerboxMigrations {

    @Resource(lookup = "java:comp/DefaultDataSource")
    DataSource dataSource;

    void migrate(@Observes @Initialized(ApplicationScoped.class) Object started) {
        Flyway.configure() // your own tables first, as before (here: classpath:db/migration, the default)
                .dataSource(dataSource)
                .load()
                .migrate();
        for (String schema : List.of("outbox", "audit")) { // then Ledgerbox's: the modules you use
            Flyway.configure()
                    .dataSource(dataSource)
                    .locations("classpath:db/ledgerbox/" + schema)
                    .table("ledgerbox_" + schema + "_schema_history")
                    .baselineOnMigrate(true)
                    .baselineVersion("0")
                    .load()
                    .migrate();
        }
    }
}
