package dev.ledgerbox.publisher.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An endpoint's filter ({@code ledgerbox_webhook_matches}): {@code *}, an exact type, or a prefix
 * such as {@code order.*}. Schema version 6 wrote it again in PL/pgSQL (the SQL function was planned
 * again in every routing statement); its answers are checked here against the rule as the first
 * version stated it, in SQL, for every pattern list and type below, NULLs included.
 */
class WebhookFilterTest {

    /** The rule as schema version 1 wrote it (a sub-select over the patterns). */
    private static final String RULE = "SELECT EXISTS (SELECT 1 FROM unnest(?::text[]) AS p WHERE p = '*' OR p = ?"
            + " OR (right(p, 2) = '.*' AND starts_with(?, left(p, -1))))";

    @Test
    void knownAnswers() throws Exception {
        try (Connection c = Webhooks.db().getConnection()) {
            assertThat(matches(c, new String[] {"order.*"}, "order.created")).isTrue();
            assertThat(matches(c, new String[] {"order.*"}, "order.line.added")).isTrue();
            assertThat(matches(c, new String[] {"order.*"}, "orders.created")).isFalse();
            assertThat(matches(c, new String[] {"order.*"}, "order")).isFalse();
            assertThat(matches(c, new String[] {"invoice.paid", "order.created"}, "order.created"))
                    .isTrue();
            assertThat(matches(c, new String[] {"order.created"}, "order.created.v2"))
                    .isFalse();
            assertThat(matches(c, new String[] {"*"}, "anything")).isTrue();
            assertThat(matches(c, new String[] {"order*"}, "order.created")).isFalse();
        }
    }

    @Test
    void answersAsTheFirstVersionsRuleForEveryCase() throws Exception {
        List<String[]> patterns = new ArrayList<>();
        patterns.add(null);
        patterns.add(new String[] {});
        patterns.add(new String[] {null});
        patterns.add(new String[] {"*"});
        patterns.add(new String[] {".*"});
        patterns.add(new String[] {"order.*"});
        patterns.add(new String[] {"order.created"});
        patterns.add(new String[] {"order"});
        patterns.add(new String[] {"order*", "ord.*"});
        patterns.add(new String[] {null, "order.*"});
        patterns.add(new String[] {"invoice.*", "order.line.*"});
        patterns.add(new String[] {"", "*"});
        String[] types = {
            null,
            "",
            ".",
            "order",
            "order.",
            "order.created",
            "order.line.added",
            "orders.created",
            "invoice",
            "ORDER.created",
            "*"
        };
        int compared = 0;
        try (Connection c = Webhooks.db().getConnection();
                PreparedStatement rule = c.prepareStatement(RULE)) {
            for (String[] p : patterns) {
                for (String type : types) {
                    Array array = p == null ? null : c.createArrayOf("text", p);
                    rule.setArray(1, array);
                    rule.setString(2, type);
                    rule.setString(3, type);
                    boolean expected;
                    try (ResultSet rs = rule.executeQuery()) {
                        rs.next();
                        expected = rs.getBoolean(1);
                    }
                    assertThat(matches(c, p, type))
                            .as("%s against %s", type, p == null ? null : Arrays.toString(p))
                            .isEqualTo(expected);
                    compared++;
                }
            }
        }
        assertThat(compared).isEqualTo(patterns.size() * types.length);
    }

    private static boolean matches(Connection c, String[] patterns, String type) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("SELECT ledgerbox_webhook_matches(?::text[], ?)")) {
            ps.setArray(1, patterns == null ? null : c.createArrayOf("text", patterns));
            ps.setString(2, type);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                boolean answer = rs.getBoolean(1);
                assertThat(rs.wasNull()).as("the filter answers true or false").isFalse();
                return answer;
            }
        }
    }
}
