package dev.ledgerbox.audit;

import static dev.ledgerbox.audit.Hibernate.inTransaction;
import static dev.ledgerbox.audit.Hibernate.query;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ledgerbox.audit.fixtures.Address;
import dev.ledgerbox.audit.fixtures.Member;
import dev.ledgerbox.audit.fixtures.Reading;
import dev.ledgerbox.audit.fixtures.ShopOrder;
import dev.ledgerbox.audit.internal.canonical.JsonbText;
import dev.ledgerbox.outbox.Correlation;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The writer hashes each row's content as it inserts it (audit schema 5), so the hash it makes
 * must be the one the database makes of the stored values ({@code ledgerbox_audit_content}),
 * whatever the values: otherwise an untouched row would read as tampered with.
 */
class AuditRowHashTest {

    static final JsonProvider JSON = JsonProvider.provider();

    /** Awkward text: quotes, backslashes, every escaped control character, others, DEL, non-ASCII, emoji. */
    static final String AWKWARD = "q\"b\\s/ \b\f\n\r\t \u0001\u001f\u007f é ß 中 😀 </script>";

    @BeforeEach
    void empty() {
        Hibernate.factory();
        Hibernate.resetAuditLog();
    }

    @Test
    void theJsonTextIsTheTextJsonbPrints() {
        JsonValue value = JSON.createObjectBuilder()
                .add("b", 1)
                .add("a", JSON.createObjectBuilder().add("old", AWKWARD).add("new", JsonValue.NULL))
                .add("aa", JSON.createArrayBuilder().add(true).add(false).add(JSON.createObjectBuilder()))
                .add("é", JSON.createArrayBuilder())
                .add("z", "y")
                .add("Z", "")
                .add(
                        "ab",
                        JSON.createObjectBuilder()
                                .add("k", JSON.createArrayBuilder().add(JsonValue.NULL)))
                .add(
                        "numbers",
                        JSON.createArrayBuilder()
                                .add(0)
                                .add(-7L)
                                .add(Long.MAX_VALUE)
                                .add(new BigDecimal("1.50"))
                                .add(new BigDecimal("1.50E+3"))
                                .add(new BigDecimal("1E+3"))
                                .add(new BigDecimal("-0.00"))
                                .add(new BigDecimal("1E-7"))
                                .add(new BigDecimal("123456789012345678901234567890.123456789"))
                                .add(new BigInteger("98765432109876543210987654321"))
                                .add(0.1)
                                .add(-0.0)
                                .add(1e300)
                                .add(4.9e-324)
                                .add(1.0e10)
                                .add(1.5f))
                .build();
        String text = jsonbTextOf(value);

        assertThat(text).isEqualTo(jsonbText(text));
        assertThat(text).isNotEqualTo(value.toString()); // the plain writer's text is not jsonb's
    }

    @Test
    void everyKeyOrderAndStringSurvivesTheRoundTrip() {
        // keys of one length in byte order, including multi-byte ones that sort after ASCII
        var object = JSON.createObjectBuilder();
        for (String key :
                List.of("bb", "ba", "Ab", "é", "中", "a", "", "~~", "\u0001", "\"", "😀", "\uFFFDa", "\uE000b")) {
            object.add(key, key);
        }
        String text = jsonbTextOf(object.build());

        assertThat(text).isEqualTo(jsonbText(text));
    }

    @Test
    void theWritersHashIsTheDatabasesForAwkwardValuesAndContext() throws SQLException {
        AuditContext context = AuditContext.current()
                .withActor(new AuditActor("u-" + AWKWARD, "Zoë \"O'Brien\" 😀", "zoe@example.com", "t\\1"))
                .withAction("order\tplaced")
                .withReason(AWKWARD)
                .withClient("0:0:0:0:0:0:0:1", "Mozilla/5.0 \"x\"\n");
        long orderId;
        try (var scope = context.open();
                var correlation = Correlation.open("corr:1/a+b=c@d")) {
            Member owner = new Member("Grace " + AWKWARD);
            ShopOrder order = new ShopOrder(AWKWARD, new BigDecimal("1.50E+3"));
            order.setShipTo(new Address("Main St. \"1\"", "Zürich"));
            order.setNotes("é".repeat(300));
            order.getTags().addAll(List.of("ü", "tag\n", "😀"));
            inTransaction(s -> {
                s.persist(owner);
                order.setOwner(owner);
                s.persist(order);
            });
            orderId = order.getId();
        }
        // an update in another context: an IPv4 client, no actor
        try (var scope = AuditContext.current().withClient("203.0.113.9", null).open()) {
            inTransaction(s -> {
                ShopOrder order = s.find(ShopOrder.class, orderId);
                order.setTotal(new BigDecimal("-0.001"));
                order.getTags().remove("ü");
            });
        }

        List<Map<String, Object>> rows = writtenAndMadeHashes("true");
        assertThat(rows).hasSizeGreaterThanOrEqualTo(2);

        assertThat(new AuditSealer(Hibernate.db()).sealAll()).isEqualTo(rows.size());
        AuditVerification result = new AuditVerifier(Hibernate.db()).verify();
        assertThat(result.intact()).as(result.toString()).isTrue();
        assertThat(result.rowsChecked()).isEqualTo(rows.size());
    }

    @Test
    void theWritersHashIsTheDatabasesForEveryCommonScalar() throws SQLException {
        Reading reading = new Reading();
        reading.count = Integer.MIN_VALUE;
        reading.little = -7;
        reading.tiny = 127;
        reading.large = Long.MAX_VALUE;
        reading.boxed = 0;
        reading.value = 0.1;
        reading.ratio = 1.5f;
        reading.huge = new BigInteger("98765432109876543210987654321");
        reading.grade = '"';
        reading.probe = UUID.fromString("123e4567-e89b-12d3-a456-426614174000");
        reading.day = LocalDate.of(2026, 12, 4);
        reading.wallTime = LocalDateTime.of(2026, 12, 4, 9, 30, 0, 123_456_000);
        reading.zonedTime = OffsetDateTime.of(2026, 12, 4, 9, 30, 0, 0, ZoneOffset.ofHours(2));
        reading.legacyTime = new Date(1_700_000_000_123L);
        reading.raw = new byte[] {0, 1, (byte) 0xff};
        reading.checked = Boolean.TRUE;
        reading.unit = Reading.Unit.KELVIN;
        inTransaction(s -> s.persist(reading));
        inTransaction(s -> {
            Reading r = s.find(Reading.class, reading.getId());
            r.value = 1e300;
            r.ratio = -0.0f;
            r.grade = '\u00e9';
            r.boxed = null;
            r.checked = false;
            r.unit = Reading.Unit.CELSIUS;
            r.raw = new byte[0];
        });
        inTransaction(s -> s.remove(s.find(Reading.class, reading.getId())));

        List<Map<String, Object>> rows = writtenAndMadeHashes("a.entity_type = 'Reading'");
        assertThat(rows).extracting(r -> r.get("operation")).containsExactly("INSERT", "UPDATE", "DELETE");
        assertThat((String) rows.get(0).get("diff"))
                .contains("\"day\": {\"new\": \"2026-12-04\"}")
                .contains("\"raw\": {\"new\": \"AAH/\"}")
                .contains("\"large\": {\"new\": 9223372036854775807}")
                .contains("\"probe\": {\"new\": \"123e4567-e89b-12d3-a456-426614174000\"}");
        assertThat((String) rows.get(1).get("diff"))
                .contains("\"unit\": {\"new\": \"CELSIUS\", \"old\": \"KELVIN\"}")
                .contains("\"boxed\": {\"new\": null, \"old\": 0}");
    }

    /**
     * The rows that match {@code condition}, in order, each checked: the hash its writer made is
     * the one the database makes of what it stored.
     */
    private static List<Map<String, Object>> writtenAndMadeHashes(String condition) {
        List<Map<String, Object>> rows = query("SELECT a.id, a.operation, encode(a.row_hash, 'hex') AS written,"
                + " encode(sha256(convert_to(ledgerbox_audit_content(a), 'UTF8')), 'hex') AS made,"
                + " ledgerbox_audit_content(a) AS content, a.diff::text AS diff FROM audit_log a WHERE " + condition
                + " ORDER BY a.id");
        for (Map<String, Object> row : rows) {
            assertThat(row.get("written"))
                    .as("row %s: %s", row.get("id"), row.get("content"))
                    .isNotNull()
                    .isEqualTo(row.get("made"));
        }
        return rows;
    }

    /** The text the writer makes of a value. */
    private static String jsonbTextOf(JsonValue value) {
        StringBuilder text = new StringBuilder();
        JsonbText.append(text, value);
        return text.toString();
    }

    private static String jsonbText(String json) {
        return (String) query("SELECT ?::jsonb::text AS t", json).get(0).get("t");
    }
}
