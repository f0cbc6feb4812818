package dev.ledgerbox.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ledgerbox.publisher.ConfigurationException;
import dev.ledgerbox.testing.DocSql;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The console's settings: defaults, refusals that name the key, the documented keys, the hashes. */
class ConsoleSettingsTest {

    private static final String HASH = Passwords.hash("correct horse battery".toCharArray());

    private static ConsoleSettings read(Map<String, String> values) {
        return ConsoleSettings.from(values::get);
    }

    @Test
    void defaultsBindToLoopback() {
        ConsoleSettings s = read(Map.of());
        assertThat(s.host()).isEqualTo("127.0.0.1");
        assertThat(s.port()).isEqualTo(9091);
        assertThat(s.users()).isEmpty();
        assertThat(s.health().window()).isEqualTo(Duration.ofMinutes(15));
    }

    @Test
    void usersAreNamesRolesAndHashes() {
        ConsoleSettings s = read(Map.of("publisher.console.users", "alice:operator:" + HASH + ", bob:VIEWER:" + HASH));
        assertThat(s.users()).containsOnlyKeys("alice", "bob");
        assertThat(s.users().get("bob").role()).isEqualTo(ConsoleSettings.Role.VIEWER);
        assertThat(s.toString()).doesNotContain(HASH);
    }

    @Test
    void badValuesAreNamedWithoutRevealingSecrets() {
        assertThatThrownBy(() -> read(Map.of("publisher.console.users", "alice:operator:hunter2")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("gives alice a password that is not a hash")
                .message()
                .doesNotContain("hunter2");
        assertThatThrownBy(() -> read(Map.of("publisher.console.users", "alice:root:" + HASH)))
                .hasMessageContaining("the role 'root': the roles are viewer and operator");
        assertThatThrownBy(() ->
                        read(Map.of("publisher.console.users", "alice:operator:" + HASH + ",alice:viewer:" + HASH)))
                .hasMessageContaining("names alice twice");
        assertThatThrownBy(() -> read(Map.of("publisher.console.users", "al ice:operator:" + HASH)))
                .hasMessageContaining("each user is name:role:hash")
                .message()
                .doesNotContain(HASH);
        assertThatThrownBy(() -> read(Map.of("publisher.console.port", "99999")))
                .hasMessage("publisher.console.port is '99999': it must be a whole number from 0 to 65535");
        assertThatThrownBy(() -> read(Map.of("publisher.console.health.degraded.success-rate", "1.5")))
                .hasMessageContaining("publisher.console.health.degraded.success-rate is '1.5'");
        assertThatThrownBy(() -> read(Map.of("publisher.console.health.critical.success-rate", "0.99")))
                .hasMessageContaining("is above publisher.console.health.degraded.success-rate");
    }

    @Test
    void passwordsVerifyOnlyAgainstTheirHash() {
        assertThat(Passwords.verify("correct horse battery".toCharArray(), HASH))
                .isTrue();
        assertThat(Passwords.verify("correct horse batterz".toCharArray(), HASH))
                .isFalse();
        assertThat(Passwords.verify("x".toCharArray(), "not-a-hash")).isFalse();
        assertThat(Passwords.hash("same".toCharArray())).isNotEqualTo(Passwords.hash("same".toCharArray())); // salted
        assertThat(Passwords.isHash(HASH)).isTrue();
    }

    @Test
    void theReferenceListsExactlyTheKeysThatAreRead() throws Exception {
        List<String> read = new ArrayList<>();
        ConsoleSettings.from(key -> {
            read.add(key);
            return null;
        });
        String doc = Files.readString(Path.of("..", "docs", "console.md"));
        String table = doc.substring(doc.indexOf("## Configuration"), doc.indexOf("## Security"));
        List<String> documented = new ArrayList<>();
        Matcher m = Pattern.compile("`(publisher\\.console\\.[a-z0-9.\\-]+)`").matcher(table);
        while (m.find()) {
            documented.add(m.group(1));
        }
        assertThat(new TreeSet<>(documented)).isEqualTo(new TreeSet<>(read));
    }

    @Test
    void theReportRunsTheRunbooksCanaryAsWritten() throws Exception {
        assertThat(DocSql.blocks("runbooks.md", "<!-- canary:start -->", "<!-- canary:end -->"))
                .containsExactly(Report.canarySql().strip());
    }
}
