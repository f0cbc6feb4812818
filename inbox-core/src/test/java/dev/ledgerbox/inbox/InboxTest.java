package dev.ledgerbox.inbox;

import static dev.ledgerbox.inbox.Inboxes.signed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ledgerbox.inbox.Reception.Disposition;
import dev.ledgerbox.outbox.Correlation;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.LoggerFactory;

/** Capture before the write, keys, duplicates, signatures, bad input, processing in the request. */
class InboxTest {

    static final String PAID = "{\"type\":\"payment.succeeded\",\"data\":{\"order\":\"42\",\"amount\":1999}}";

    final AtomicInteger runs = new AtomicInteger();
    final AtomicReference<String> correlationSeen = new AtomicReference<>();
    final InboxHandler paid = m -> {
        runs.incrementAndGet();
        correlationSeen.set(Correlation.current().orElse(null));
        return HandlerResult.ok("{\"order\":\"42\",\"status\":\"PAID\"}").withOutcome("order 42 paid");
    };
    Inbox inbox;
    final ListAppender<ILoggingEvent> audit = new ListAppender<>();

    @BeforeEach
    void setUp() throws Exception {
        Inboxes.clear();
        inbox = payments(InboxSource.Mode.SYNC, paid);
        audit.start();
        ((Logger) LoggerFactory.getLogger("ledgerbox.inbox")).addAppender(audit);
    }

    @AfterEach
    void tearDown() throws Exception {
        ((Logger) LoggerFactory.getLogger("ledgerbox.inbox")).detachAppender(audit);
        inbox.close();
    }

    /** The message's row once the outcomes of the requests answered so far are written. */
    Map<String, Object> row(long id) throws Exception {
        inbox.awaitOutcomes();
        return Inboxes.row(id);
    }

    List<Map<String, Object>> rows(String source) throws Exception {
        inbox.awaitOutcomes();
        return Inboxes.rows(source);
    }

    static Inbox payments(InboxSource.Mode mode, InboxHandler handler) {
        return paymentsBuilder(mode, handler).build();
    }

    static Inbox.Builder paymentsBuilder(InboxSource.Mode mode, InboxHandler handler) {
        return Inbox.builder(Inboxes.db())
                .source(
                        InboxSource.builder("payments")
                                .key(IdempotencyKey.header("webhook-id"))
                                .signature(SignatureScheme.standardWebhooks(
                                        List.of(Inboxes.SECRET), Duration.ofMinutes(5)))
                                .maxBodyBytes(4096)
                                .mode(mode)
                                .redactHeaders("x-provider-account")
                                .build(),
                        handler);
    }

    @Test
    void aSignedDeliveryIsCapturedAsReceivedThenProcessedOnceWithItsCorrelation() throws Exception {
        Reception r = inbox.receive(signed("payments", "msg_1", PAID, Instant.now())
                .header("x-provider-account", "acct_secretish")
                .header("x-correlation-id", "provider-run-7")
                .build());

        assertThat(r.disposition()).isEqualTo(Disposition.PROCESSED);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).contains("PAID");
        assertThat(runs).hasValue(1);
        assertThat(correlationSeen).hasValue("provider-run-7");
        Map<String, Object> row = row(r.messageId());
        assertThat(row)
                .containsEntry("source", "payments")
                .containsEntry("idempotency_key", "msg_1")
                .containsEntry("key_origin", "header:webhook-id")
                .containsEntry("status", "PROCESSED")
                .containsEntry("body_sha256", sha256(PAID))
                .containsEntry("body_bytes", Integer.toString(PAID.length()))
                .containsEntry("client_ip", "203.0.113.9")
                .containsEntry("user_agent", "Provider/1.0")
                .containsEntry("correlation_id", "provider-run-7")
                .containsEntry("origin", "PaymentsResource.paymentSucceeded")
                .containsEntry("response_status", "200")
                .containsEntry("outcome", "order 42 paid")
                .containsEntry("attempts", "1");
        assertThat(Inboxes.sql()
                        .query("SELECT convert_from(body, 'UTF8') AS b FROM inbox_message WHERE id = ?", r.messageId()))
                .containsExactly(Map.of("b", PAID));
        assertThat((String) row.get("headers"))
                .contains("\"authorization\": \"[redacted]\"")
                .contains("\"x-provider-account\": \"[redacted]\"")
                .doesNotContain("provider-token-123")
                .doesNotContain("acct_secretish");
        assertThat(row.get("processing_ms")).isNotNull();
    }

    /** The status and the mode are checked by domains, whose constraints are prepared once per session. */
    @Test
    void aStatusOrModeTheInboxDoesNotKnowIsRefusedNamingItsDomain() throws Exception {
        Reception r = inbox.receive(
                signed("payments", "msg_states", PAID, Instant.now()).build());
        inbox.awaitOutcomes();

        assertThatThrownBy(() -> Inboxes.sql().execute("UPDATE inbox_message SET status = 'LOST'"))
                .hasMessageContaining("ledgerbox_inbox_status_check");
        assertThatThrownBy(() -> Inboxes.sql().execute("UPDATE inbox_message SET mode = 'BOTH'"))
                .hasMessageContaining("ledgerbox_inbox_mode_check");
        Inboxes.sql().execute("UPDATE inbox_message SET status = 'DEAD', mode = 'ASYNC'");

        assertThat(row(r.messageId())).containsEntry("status", "DEAD").containsEntry("mode", "ASYNC");
        assertThat(Inboxes.sql().constraint("inbox_message_status_check"))
                .contains("::ledgerbox_inbox_status IS NOT NULL");
        assertThat(Inboxes.sql().constraint("inbox_message_mode_check")).contains("::ledgerbox_inbox_mode IS NOT NULL");
    }

    /**
     * ANALYZE leaves out what was received and answered (inbox schema 4: sorting a sample of jsonb
     * headers and bodies was over half of every autoanalyze of the messages) and keeps the keys the
     * inbox's plans rest on.
     */
    @Test
    void analyzeLeavesOutBodiesAndHeadersAndKeepsTheKeys() throws Exception {
        inbox.receive(signed("payments", "msg_statistics", PAID, Instant.now()).build());
        inbox.awaitOutcomes();

        assertThat(Inboxes.sql().analyzedColumns("inbox_message"))
                .contains("id", "source", "idempotency_key", "status", "received_at", "next_attempt_at")
                .doesNotContain("headers", "body", "body_sha256", "response_body");
    }

    @Test
    void theBoundaryAuditLineIsWrittenBeforeTheCaptureWithThePayloadAndNoSecret() throws Exception {
        inbox.receive(signed("payments", "msg_log", PAID, Instant.now()).build());

        ILoggingEvent line = audit.list.get(0);
        assertThat(line.getFormattedMessage())
                .isEqualTo("boundary_audit inbound_write_attempt source=payments key=msg_log");
        Map<String, Object> fields = new java.util.HashMap<>();
        line.getKeyValuePairs().forEach(kv -> fields.put(kv.key, kv.value));
        assertThat(fields)
                .containsEntry("audit", "inbound_write_attempt")
                .containsEntry("audit_version", 1)
                .containsEntry("idempotency_key", "msg_log")
                .containsEntry("payload_sha256", sha256(PAID))
                .containsEntry("payload", PAID)
                .containsEntry("origin", "PaymentsResource.paymentSucceeded");
        assertThat(fields.toString()).doesNotContain("provider-token-123").doesNotContain(Inboxes.SECRET);
    }

    @Test
    void aDuplicateIsAnsweredWithTheFirstResponseAndRecordedAsDuplicate() throws Exception {
        Reception first =
                inbox.receive(signed("payments", "msg_2", PAID, Instant.now()).build());
        inbox.awaitOutcomes(); // the common case: the first's outcome is written (see the next test)
        Reception again = inbox.receive(signed("payments", "msg_2", PAID, Instant.now())
                .header("x-provider-account", "acct_secretish")
                .build());

        assertThat(runs).hasValue(1);
        assertThat(again.disposition()).isEqualTo(Disposition.DUPLICATE);
        assertThat(again.status()).isEqualTo(first.status());
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(rows("payments"))
                .extracting(m -> m.get("status"), m -> m.get("duplicate_of"))
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("PROCESSED", null),
                        org.assertj.core.groups.Tuple.tuple(
                                "DUPLICATE", first.messageId().toString()));
        assertDuplicateRow(first.messageId());
    }

    /** The duplicate's row: a full capture of what was sent, and what it was answered. */
    private void assertDuplicateRow(long first) throws Exception {
        Map<String, Object> duplicate = rows("payments").get(1);
        assertThat(duplicate)
                .containsEntry(
                        "reject_reason",
                        "duplicate of message " + first + " (PROCESSED): answered with the first processing's response")
                .containsEntry("response_status", "200")
                .containsEntry("body_sha256", sha256(PAID))
                .containsEntry("key_origin", "header:webhook-id")
                .containsEntry("claimed_by", null)
                .containsEntry("attempts", "0");
        assertThat(Inboxes.sql()
                        .query(
                                "SELECT convert_from(body, 'UTF8') AS text FROM inbox_message WHERE id = ?::bigint",
                                duplicate.get("id"))
                        .get(0))
                .containsEntry("text", PAID);
        assertThat((String) duplicate.get("headers")).contains("[redacted]").doesNotContain("acct_secretish");
    }

    @Test
    void theAnswerDoesNotWaitForItsOutcomeAndADuplicateArrivingMeanwhileWaitsForIt() throws Exception {
        try (java.sql.Connection other = Inboxes.db().getConnection()) {
            other.setAutoCommit(false);
            inbox.close();
            inbox = payments(InboxSource.Mode.SYNC, m -> {
                // another transaction locks the message's row until the test lets go: the outcome's
                // UPDATE waits behind it
                try (var lock = other.prepareStatement("SELECT id FROM inbox_message WHERE id = ? FOR UPDATE")) {
                    lock.setLong(1, m.id());
                    lock.executeQuery().close();
                }
                return paid.handle(m);
            });

            Reception first = inbox.receive(
                    signed("payments", "msg_w", PAID, Instant.now()).build());
            assertThat(first.status()).as("answered while its outcome waits").isEqualTo(200);
            assertThat(Inboxes.row(first.messageId())).containsEntry("status", "PROCESSING");

            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<Reception> again = pool.submit(() -> inbox.receive(
                        signed("payments", "msg_w", PAID, Instant.now()).build()));
                Thread.sleep(300);
                assertThat(again)
                        .as("the duplicate waits for the first's outcome")
                        .isNotDone();
                other.commit();

                Reception duplicate = again.get(30, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(duplicate.disposition()).isEqualTo(Disposition.DUPLICATE);
                assertThat(duplicate.status()).isEqualTo(200);
                assertThat(duplicate.body()).isEqualTo(first.body());
                assertThat(runs).hasValue(1);
                assertThat(row(first.messageId())).containsEntry("status", "PROCESSED");
                assertDuplicateRow(first.messageId()); // the same row as when the outcome was written before
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * Receives a first message on an inbox whose outcomes linger for an hour: its outcome waits
     * for the next capture (or for someone to await it).
     */
    private Reception firstWithItsOutcomeWaiting(String key) throws Exception {
        inbox.close();
        inbox = paymentsBuilder(InboxSource.Mode.SYNC, paid)
                .outcomeLinger(Duration.ofHours(1))
                .build();
        Reception first =
                inbox.receive(signed("payments", key, PAID, Instant.now()).build());
        assertThat(Inboxes.row(first.messageId()))
                .as("no capture yet to take the outcome, and the linger is long")
                .containsEntry("status", "PROCESSING");
        return first;
    }

    @Test
    void anOutcomeIsCommittedWithTheNextCaptureAndWithoutOneOnItsOwnWhenAwaited() throws Exception {
        Reception first = firstWithItsOutcomeWaiting("msg_r1");

        Reception second =
                inbox.receive(signed("payments", "msg_r2", PAID, Instant.now()).build());
        assertThat(Inboxes.row(first.messageId()))
                .as("written by the second's capture")
                .containsEntry("status", "PROCESSED")
                .containsEntry("response_status", "200")
                .containsEntry("outcome", "order 42 paid");
        assertThat(Inboxes.row(second.messageId())).containsEntry("status", "PROCESSING");

        inbox.awaitOutcomes(); // does not wait for the linger
        assertThat(Inboxes.row(second.messageId())).containsEntry("status", "PROCESSED");
    }

    @Test
    void aDuplicateWhoseCaptureCarriesItsFirstsOutcomeGetsTheStoredAnswer() throws Exception {
        Reception first = firstWithItsOutcomeWaiting("msg_r3");

        // the duplicate's own statement writes the first's outcome, and finds it in progress
        Reception duplicate =
                inbox.receive(signed("payments", "msg_r3", PAID, Instant.now()).build());

        assertThat(duplicate.disposition()).isEqualTo(Disposition.DUPLICATE);
        assertThat(duplicate.status()).isEqualTo(200);
        assertThat(duplicate.body()).isEqualTo(first.body());
        assertThat(runs).hasValue(1);
        assertDuplicateRow(first.messageId());
    }

    @Test
    void anOutcomeNoCaptureTakesIsWrittenOnceItHasLingered() throws Exception {
        Reception r = inbox.receive(
                signed("payments", "msg_alone", PAID, Instant.now()).build());

        Instant until = Instant.now().plusSeconds(10);
        while (!"PROCESSED".equals(Inboxes.row(r.messageId()).get("status"))
                && Instant.now().isBefore(until)) {
            Thread.sleep(5);
        }
        assertThat(Inboxes.row(r.messageId())).containsEntry("status", "PROCESSED");
    }

    @Test
    void twoRequestsWithOneKeyAtOnceRunTheHandlerOnceAndTheOtherIsToldToRetry() throws Exception {
        CountDownLatch inHandler = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        inbox.close();
        inbox = payments(InboxSource.Mode.SYNC, m -> {
            runs.incrementAndGet();
            inHandler.countDown();
            release.await();
            return HandlerResult.ok("done");
        });
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Reception> first = pool.submit(() -> inbox.receive(
                    signed("payments", "msg_c", PAID, Instant.now()).build()));
            inHandler.await();
            Reception second = pool.submit(() -> inbox.receive(
                            signed("payments", "msg_c", PAID, Instant.now()).build()))
                    .get();
            release.countDown();

            assertThat(second.disposition()).isEqualTo(Disposition.IN_PROGRESS);
            assertThat(second.status()).isEqualTo(409);
            assertThat(second.headers()).containsEntry("Retry-After", "1");
            assertThat(first.get().status()).isEqualTo(200);
            assertThat(runs).hasValue(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aBadSignatureIsRefusedWith401CapturedWithItsReasonAndNotHandled() throws Exception {
        Reception r = inbox.receive(signed("payments", "msg_3", PAID, Instant.now())
                .header("webhook-signature", "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
                .build());
        Reception late =
                inbox.receive(signed("payments", "msg_4", PAID, Instant.now().minus(Duration.ofMinutes(10)))
                        .build());
        Reception tampered = inbox.receive(InboundRequest.builder("payments")
                .headers(Map.of(
                        "webhook-id",
                        List.of("msg_5"),
                        "webhook-timestamp",
                        List.of(Long.toString(Instant.now().getEpochSecond())),
                        "webhook-signature",
                        List.of(new com.standardwebhooks.Webhook(Inboxes.SECRET)
                                .sign("msg_5", Instant.now().getEpochSecond(), PAID))))
                .body(PAID.replace("1999", "1").getBytes(StandardCharsets.UTF_8))
                .build());

        assertThat(runs).hasValue(0);
        assertThat(List.of(r, late, tampered)).allSatisfy(x -> {
            assertThat(x.status()).isEqualTo(401);
            assertThat(x.disposition()).isEqualTo(Disposition.REJECTED);
        });
        assertThat(row(r.messageId()))
                .containsEntry("status", "INVALID_SIGNATURE")
                .containsEntry("response_status", "401");
        assertThat((String) row(r.messageId()).get("reject_reason")).contains("no webhook-signature matches");
        assertThat((String) row(late.messageId()).get("reject_reason")).contains("more than the 300 s allowed");
        assertThat(Inboxes.sql().query("SELECT * FROM inbox_message").toString())
                .doesNotContain(Inboxes.SECRET);
    }

    @Test
    void aSecondSecretIsAcceptedDuringRotation() throws Exception {
        String next = dev.ledgerbox.publisher.webhook.WebhookSecret.generate().reveal();
        inbox.close();
        inbox = Inbox.builder(Inboxes.db())
                .source(
                        InboxSource.builder("payments")
                                .key(IdempotencyKey.header("webhook-id"))
                                .signature(SignatureScheme.standardWebhooks(
                                        List.of(next, Inboxes.SECRET), Duration.ofMinutes(5)))
                                .build(),
                        paid)
                .build();

        assertThat(inbox.receive(
                                signed("payments", "msg_r", PAID, Instant.now()).build())
                        .status())
                .isEqualTo(200);
    }

    @Test
    void malformedJsonIsRefusedWith400AndCapturedWithTheParseError() throws Exception {
        String broken = "{\"type\":\"payment.succeeded\",";
        Reception r =
                inbox.receive(signed("payments", "msg_6", broken, Instant.now()).build());

        assertThat(r.status()).isEqualTo(400);
        assertThat(runs).hasValue(0);
        assertThat(row(r.messageId())).containsEntry("status", "INVALID");
        assertThat((String) row(r.messageId()).get("reject_reason")).startsWith("malformed JSON: ");
        assertThat(Inboxes.sql()
                        .query("SELECT convert_from(body, 'UTF8') AS b FROM inbox_message WHERE id = ?", r.messageId()))
                .containsExactly(Map.of("b", broken));
    }

    @Test
    void anOversizedBodyIsRefusedWith413AndCapturedTruncatedWithItsFullSizeAndHash() throws Exception {
        String big = "{\"pad\":\"" + "x".repeat(10_000) + "\"}";
        Reception r =
                inbox.receive(signed("payments", "msg_7", big, Instant.now()).build());

        assertThat(r.status()).isEqualTo(413);
        assertThat(row(r.messageId()))
                .containsEntry("status", "TOO_LARGE")
                .containsEntry("body_truncated", "true")
                .containsEntry("body_bytes", Integer.toString(big.length()))
                .containsEntry("body_sha256", sha256(big));
        assertThat(Inboxes.sql().query("SELECT length(body) AS n FROM inbox_message WHERE id = ?", r.messageId()))
                .containsExactly(Map.of("n", "4096"));
    }

    @Test
    void keysComeFromTheBodyOrSeveralPartsAndAMissingKeyIsRefused() throws Exception {
        inbox.close();
        inbox = Inbox.builder(Inboxes.db())
                .source(
                        InboxSource.builder("partner")
                                .key(IdempotencyKey.combined(
                                        IdempotencyKey.header("x-account"), IdempotencyKey.jsonPointer("/data/order")))
                                .build(),
                        paid)
                .build();

        Reception ok = inbox.receive(InboundRequest.builder("partner")
                .header("X-Account", "acct_9")
                .body(PAID.getBytes(StandardCharsets.UTF_8))
                .build());
        Reception missing = inbox.receive(InboundRequest.builder("partner")
                .body(PAID.getBytes(StandardCharsets.UTF_8))
                .build());

        assertThat(row(ok.messageId()))
                .containsEntry("idempotency_key", "acct_9:42")
                .containsEntry("key_origin", "header:x-account+body:/data/order");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.body()).isEqualTo("no idempotency key: header x-account is missing");
        assertThatThrownBy(() -> IdempotencyKey.jsonPointer("data/order"))
                .isInstanceOf(InboxException.class)
                .hasMessageContaining("'data/order' is not a JSON pointer");
    }

    @Test
    void aFailingHandlerIsAnswered500AndKeptFailedAndTheSendersRetryProcessesItOnceFixed() throws Exception {
        AtomicReference<Boolean> broken = new AtomicReference<>(true);
        inbox.close();
        inbox = payments(InboxSource.Mode.SYNC, m -> {
            if (broken.get()) {
                throw new IllegalStateException("column \"paid_at\" does not exist");
            }
            return paid.handle(m);
        });

        Reception failed =
                inbox.receive(signed("payments", "msg_8", PAID, Instant.now()).build());
        assertThat(failed.status()).isEqualTo(500);
        assertThat(row(failed.messageId()))
                .containsEntry("status", "FAILED")
                .containsEntry("error_class", "java.lang.IllegalStateException")
                .containsEntry("error_message", "column \"paid_at\" does not exist");

        broken.set(false);
        Reception retried =
                inbox.receive(signed("payments", "msg_8", PAID, Instant.now()).build());

        assertThat(retried.status()).isEqualTo(200);
        assertThat(runs).hasValue(1);
        assertThat(row(failed.messageId()))
                .containsEntry("status", "PROCESSED")
                .containsEntry("attempts", "2")
                .containsEntry("error_class", null);
    }

    @Test
    void aPayloadTheHandlerFindsInvalidIsAnswered400AndFreesTheKey() throws Exception {
        inbox.close();
        inbox = payments(InboxSource.Mode.SYNC, m -> {
            throw new InvalidPayloadException("amount must be positive");
        });

        Reception r =
                inbox.receive(signed("payments", "msg_9", PAID, Instant.now()).build());

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).isEqualTo("amount must be positive");
        assertThat(row(r.messageId())).containsEntry("status", "INVALID");
    }

    @Test
    void withTheDatabaseUnreachableTheSenderIsAskedToRetryAndTheLogLineHoldsThePayload() throws Exception {
        PGSimpleDataSource down = new PGSimpleDataSource();
        down.setUrl("jdbc:postgresql://127.0.0.1:1/none?connectTimeout=2");
        inbox.close();
        inbox = Inbox.builder(down)
                .source(
                        InboxSource.builder("payments")
                                .key(IdempotencyKey.header("webhook-id"))
                                .build(),
                        paid)
                .build();

        Reception r = inbox.receive(
                signed("payments", "msg_down", PAID, Instant.now()).build());

        assertThat(r.disposition()).isEqualTo(Disposition.UNAVAILABLE);
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.headers()).containsKey("Retry-After");
        assertThat(runs).hasValue(0);
        assertThat(audit.list).hasSize(1);
        List<Object> values = new java.util.ArrayList<>();
        audit.list.get(0).getKeyValuePairs().forEach(kv -> values.add(kv.value));
        assertThat(values).contains(PAID, "msg_down");
    }

    @Test
    void anUnknownSourceIsAProgrammingErrorThatNamesTheConfiguredOnes() {
        assertThatThrownBy(() -> inbox.receive(InboundRequest.builder("nope").build()))
                .isInstanceOf(InboxException.class)
                .hasMessage("no inbox source 'nope' is configured; configured: [payments]");
        assertThatThrownBy(() -> InboxSource.builder("payments").build())
                .isInstanceOf(InboxException.class)
                .hasMessageContaining("source payments has no idempotency key");
    }

    static String sha256(String text) throws Exception {
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
