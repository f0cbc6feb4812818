package dev.ledgerbox.inbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ledgerbox.inbox.InboxSource.Mode;
import dev.ledgerbox.inbox.Reception.Disposition;
import dev.ledgerbox.outbox.Correlation;
import dev.ledgerbox.outbox.spi.Redaction;
import dev.ledgerbox.outbox.spi.TraceContext;
import dev.ledgerbox.outbox.spi.TrustedProxies;
import dev.ledgerbox.publisher.engine.RetryPolicy;
import dev.ledgerbox.publisher.engine.WorkEngine;
import dev.ledgerbox.publisher.spi.Batches;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inbox: every request a third party pushes in is captured in its own committed transaction
 * before the application writes anything, keyed by the sender's identifier, checked, answered once
 * per key, and processed by the source's {@link InboxHandler} in the request or in the background.
 *
 * <pre>{@code
 * Inbox inbox = Inbox.builder(dataSource)
 *         .source(InboxSource.builder("payments")
 *                 .key(IdempotencyKey.header("webhook-id"))
 *                 .signature(SignatureScheme.standardWebhooks(List.of(secret), Duration.ofMinutes(5)))
 *                 .build(), paymentHandler)
 *         .build();
 * Reception answer = inbox.receive(InboundRequest.builder("payments").headers(h).body(in).build());
 * }</pre>
 *
 * <p>Thread-safe. {@link #start()} runs the background processing (asynchronous sources, messages
 * a crash left behind, replays) on the work engine; {@link #close()} stops it.
 */
public final class Inbox implements AutoCloseable {

    /** The version of the {@code boundary_audit} inbound log line's fields. */
    public static final int AUDIT_VERSION = 1;

    /** Largest part of a payload written into a log line. */
    static final int LOGGED_PAYLOAD_MAX = 64 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(Inbox.class);
    private static final Logger AUDIT = LoggerFactory.getLogger("ledgerbox.inbox");

    private final InboxStore store;
    private final Map<String, InboxSource> sources;
    private final Map<String, InboxHandler> handlers;
    private final Clock clock;
    private final String owner;
    private final Duration lease;
    private final TrustedProxies proxies;
    private final WorkEngine<InboxQueue.Work> engine;
    private final OutcomeRecorder outcomes;
    private final Duration retention;
    private java.util.concurrent.ScheduledExecutorService purger;

    private Inbox(Builder b) {
        this.store = new InboxStore(b.dataSource);
        this.outcomes = new OutcomeRecorder(store, b.owner, b.outcomeLinger);
        this.retention = b.retention;
        this.sources = Map.copyOf(b.sources);
        this.handlers = new ConcurrentHashMap<>(b.handlers);
        this.clock = b.clock;
        this.owner = b.owner;
        this.lease = b.lease;
        this.proxies = b.proxies;
        this.engine = WorkEngine.builder(new InboxQueue(store, this::handlerFor, clock))
                .owner(owner)
                .batchSize(b.batchSize)
                .concurrency(b.concurrency)
                .lease(lease)
                .pollInterval(b.pollInterval)
                .clock(clock)
                .retryPolicy(b.retry)
                .executor(b.executor)
                .build();
    }

    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    /** Starts the background processing, and the hourly retention purge when a retention is set. */
    public synchronized Inbox start() {
        engine.start();
        if (retention != null && purger == null) {
            purger = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "ledgerbox-inbox-retention");
                t.setDaemon(true);
                return t;
            });
            purger.scheduleWithFixedDelay(this::purgeQuietly, 1, 60, TimeUnit.MINUTES);
        }
        return this;
    }

    private void purgeQuietly() {
        try {
            int n = purge(retention, 1000);
            if (n > 0) {
                LOG.info("inbox retention: {} finished message(s) older than {} deleted", n, retention);
            }
        } catch (RuntimeException e) {
            LOG.warn("inbox retention: {}", e.getMessage());
        }
    }

    /** Stops the background processing, letting messages in hand finish. */
    @Override
    public synchronized void close() throws InterruptedException {
        if (purger != null) {
            purger.shutdownNow();
            purger.awaitTermination(30, TimeUnit.SECONDS); // a purge in progress ends first
        }
        engine.close();
        outcomes.close();
    }

    /** The configured source of this name. */
    public InboxSource source(String name) {
        InboxSource source = sources.get(name);
        if (source == null) {
            throw new InboxException("no inbox source '" + name + "' is configured; configured: " + sources.keySet());
        }
        return source;
    }

    private InboxHandler handlerFor(String source) {
        return handlers.get(source);
    }

    /** Receives a request for its source's registered handler. */
    public Reception receive(InboundRequest request) {
        source(request.source);
        InboxHandler handler = handlers.get(request.source);
        if (handler == null) {
            throw new InboxException("no handler is registered for inbox source '" + request.source + "'");
        }
        return receive(request, handler);
    }

    /**
     * Receives a message from a chokepoint other than HTTP (a message consumer, a job polling a
     * partner): the caller knows its key.
     */
    public Reception receive(String source, String key, byte[] payload, InboxHandler handler) {
        return receive(InboundRequest.builder(source).key(key).body(payload).build(), handler);
    }

    /**
     * Captures the request, then answers it: a rejection (401, 400, 413), a duplicate's stored
     * answer, 409 while the first of its key is in progress, 202 for an asynchronous source, or the
     * handler's answer. Never throws for what the sender sent; 503 when nothing could be captured.
     */
    public Reception receive(InboundRequest request, InboxHandler handler) {
        Admission admission = admit(request);
        if (admission.answer() != null) {
            return admission.answer();
        }
        return complete(admission, Processing.run(admission.message(), handler, clock));
    }

    /**
     * The first half of {@link #receive(InboundRequest, InboxHandler)}, for a chokepoint that runs
     * the handler itself (a JAX-RS resource method): captures the request, and either answers it
     * now or hands back the message, claimed for processing, to be {@link #complete completed}.
     */
    public Admission admit(InboundRequest request) {
        InboxSource source = source(request.source);
        Instant now = clock.instant();
        Body body;
        try {
            body = Body.read(request.body, source.maxBodyBytes());
        } catch (IOException e) {
            return Admission.answered(new Reception(
                    Disposition.REJECTED, 400, "could not read the request body: " + e.getMessage(), Map.of(), null));
        }
        Map<String, String> headers = request.headers;
        String correlationId = correlationId(headers);
        String traceparent = traceparent(headers);

        String status = "RECEIVED";
        String reason = null;
        int answer = 0;
        String key = null;
        String keyOrigin = request.key != null ? "caller" : source.key().origin();
        if (body.truncated) {
            status = "TOO_LARGE";
            answer = 413;
            reason = "the body has " + body.size + " bytes, more than the " + source.maxBodyBytes() + " allowed";
        } else if (source.signature() != null
                && (reason = source.signature().verify(headers, body.bytes, now)) != null) {
            status = "INVALID_SIGNATURE";
            answer = 401;
            reason = "signature (" + source.signature() + "): " + reason;
        } else {
            JsonNode json = null;
            if (source.json()) {
                try {
                    json = Json.parse(body.bytes);
                } catch (IOException e) {
                    status = "INVALID";
                    answer = 400;
                    reason = "malformed JSON: "
                            + e.getMessage().lines().findFirst().orElse("");
                }
            }
            if (answer == 0) {
                List<String> missing = new ArrayList<>();
                Optional<String> read = request.key != null
                        ? Optional.of(request.key)
                        : source.key().read(headers, json, missing);
                if (read.isEmpty()) {
                    status = "INVALID";
                    answer = 400;
                    reason = "no idempotency key: " + String.join("; ", missing);
                } else if (read.get().length() > IdempotencyKey.MAX_LENGTH) {
                    status = "INVALID";
                    answer = 400;
                    reason = "the idempotency key has " + read.get().length() + " characters, more than "
                            + IdempotencyKey.MAX_LENGTH;
                } else {
                    key = read.get();
                }
            }
        }
        if (key == null) {
            key = "rejected:" + UUID.randomUUID(); // a rejection holds no key; this only fills the column
        }
        Map<String, String> stored = redact(headers, source);
        InboxStore.Capture capture = new InboxStore.Capture(
                source.name(),
                key,
                keyOrigin,
                status,
                source.mode(),
                now,
                headers.get("content-type"),
                Json.write(stored),
                body.bytes,
                body.sha256,
                body.size,
                body.truncated,
                proxies.clientAddress(request.remoteAddress, headers.get("x-forwarded-for")),
                headers.get("user-agent"),
                request.origin,
                correlationId,
                traceparent,
                reason,
                answer == 0 ? null : answer,
                answer == 0 ? null : reason,
                status.equals("RECEIVED") ? (source.mode() == Mode.ASYNC ? now : now.plus(lease)) : null,
                null);
        if (status.equals("RECEIVED") && source.mode() == Mode.SYNC) {
            capture = held(capture); // captured as held by this request: processing starts in the same commit
        }
        auditLine(source, capture, stored);
        try {
            if (answer != 0) {
                long id = store.insert(capture, null);
                return Admission.answered(new Reception(Disposition.REJECTED, answer, reason, Map.of(), id));
            }
            InboxStore.Taken taken = insertHolding(capture);
            if (taken.id() == null) {
                return duplicate(capture, taken.holder(), taken.duplicateRecorded());
            }
            long id = taken.id();
            if (source.mode() == Mode.ASYNC) {
                engine.wake();
                return Admission.answered(new Reception(Disposition.ACCEPTED, 202, "accepted", Map.of(), id));
            }
            return Admission.toProcess(held(id, capture, stored));
        } catch (SQLException e) {
            LOG.atError()
                    .setMessage("inbox: could not capture a message of source {} (key {}); answered 503 so that the"
                            + " sender retries; the boundary_audit line holds the payload: {}")
                    .addArgument(source.name())
                    .addArgument(capture.key())
                    .addArgument(e.getMessage())
                    .log();
            return Admission.answered(new Reception(
                    Disposition.UNAVAILABLE,
                    503,
                    "the message could not be stored; retry later",
                    Map.of("Retry-After", "5"),
                    null));
        }
    }

    /** A key already held: the stored answer, 409 while in progress, or a new run of a failed one. */
    private Admission duplicate(InboxStore.Capture capture, InboxStore.Holder found, boolean recorded)
            throws SQLException {
        InboxStore.Holder first = found != null ? found : store.holder(capture.source(), capture.key());
        if (first != null && first.status().equals("PROCESSING")) {
            outcomes.await(first.id()); // the first may have been answered here a moment ago
            // read again: an outcome committed since the statement above began is seen now
            first = store.holder(capture.source(), capture.key());
        }
        if (first == null) { // the first was purged meanwhile: this one takes the key
            Long id = insertHolding(capture).id();
            return id == null
                    ? Admission.answered(inProgress(null))
                    : Admission.toProcess(held(id, capture, Json.stringMap(capture.headersJson())));
        }
        String answered;
        Reception reception;
        switch (first.status()) {
            case "PROCESSED" -> {
                reception = new Reception(
                        Disposition.DUPLICATE,
                        first.responseStatus() == null ? 200 : first.responseStatus(),
                        first.responseBody(),
                        Map.of(),
                        first.id());
                answered = InboxStore.ANSWERED_FROM_FIRST;
                if (recorded) { // its DUPLICATE row was written with the look-up
                    return Admission.answered(reception);
                }
            }
            case "FAILED", "DEAD" -> {
                reception = first.mode() == Mode.ASYNC
                        ? new Reception(Disposition.ACCEPTED, 202, "accepted", Map.of(), first.id())
                        : null;
                answered = first.mode() == Mode.ASYNC
                        ? "accepted: the first is retried in the background"
                        : "the first failed: processed again";
            }
            default -> {
                reception = first.mode() == Mode.ASYNC
                        ? new Reception(Disposition.ACCEPTED, 202, "accepted", Map.of(), first.id())
                        : inProgress(first.id());
                answered = first.mode() == Mode.ASYNC
                        ? "accepted: the first awaits processing"
                        : "the first is in progress";
            }
        }
        store.insert(
                capture.asDuplicate(
                        InboxStore.duplicateReason(first.id(), first.status(), answered),
                        reception == null ? null : reception.status()),
                first.id());
        return reception != null ? Admission.answered(reception) : claim(first.id());
    }

    /** The capture's statement, which also commits the outcomes waiting at that moment. */
    private InboxStore.Taken insertHolding(InboxStore.Capture capture) throws SQLException {
        List<OutcomeRecorder.Pending> riding = outcomes.take();
        try {
            InboxStore.Taken taken = store.insertHolding(
                    capture,
                    owner,
                    riding.stream().map(OutcomeRecorder.Pending::finished).toList());
            outcomes.written(riding);
            return taken;
        } catch (SQLException | RuntimeException e) {
            outcomes.returned(riding);
            if (e instanceof SQLException sql && "40P01".equals(sql.getSQLState())) {
                // a capture that duplicates a message whose outcome rides with another capture
                // waits for that one, which may wait for this one likewise: once more, alone
                return store.insertHolding(capture, owner, List.of());
            }
            throw e;
        }
    }

    private static Reception inProgress(Long id) {
        return new Reception(
                Disposition.IN_PROGRESS,
                409,
                "a message with this key is being processed; retry later",
                Map.of("Retry-After", "1"),
                id);
    }

    /** The capture of a synchronous source: inserted as held by this instance, for the lease. */
    private InboxStore.Capture held(InboxStore.Capture c) {
        return new InboxStore.Capture(
                c.source(),
                c.key(),
                c.keyOrigin(),
                "PROCESSING",
                c.mode(),
                c.receivedAt(),
                c.contentType(),
                c.headersJson(),
                c.body(),
                c.sha256(),
                c.bodyBytes(),
                c.truncated(),
                c.clientIp(),
                c.userAgent(),
                c.origin(),
                c.correlationId(),
                c.traceparent(),
                null,
                null,
                null,
                c.receivedAt().plus(lease),
                owner);
    }

    /** The message of a capture held by this request since its insert. */
    private static InboxMessage held(long id, InboxStore.Capture c, Map<String, String> headers) {
        return new InboxMessage(
                id,
                c.source(),
                c.key(),
                c.body(),
                c.contentType(),
                headers,
                c.correlationId(),
                c.receivedAt(),
                1,
                null);
    }

    /** Claims a captured message for processing in the request, or answers 409 when another holds it. */
    private Admission claim(long id) throws SQLException {
        InboxMessage message = store.claimOne(id, owner, lease, clock.instant());
        return message == null ? Admission.answered(inProgress(id)) : Admission.toProcess(message);
    }

    /**
     * Records how the processing of an admitted message ended, from the HTTP answer the chokepoint
     * gave: 2xx processed, 4xx refused as invalid, anything else (or {@code error}) failed and kept
     * for the sender's retry or a replay. Returns the answer; the outcome is committed just after,
     * with the next capture or on its own (see {@link #awaitOutcomes}).
     */
    public Reception complete(Admission admission, int status, String body, Throwable error, Duration took) {
        return complete(admission, Processing.Result.ofResponse(status, body, error, clock.instant(), took.toMillis()));
    }

    private Reception complete(Admission admission, Processing.Result result) {
        long id = admission.message().id();
        outcomes.record(result.finished(id, null));
        return result.reception(id);
    }

    /**
     * Returns once the outcomes of the requests answered so far are committed. A request's answer
     * does not wait for its outcome's row: the next capture's statement writes the outcomes waiting
     * at that moment, and those no capture takes within the {@linkplain Builder#outcomeLinger
     * linger} are written together in one commit (a duplicate arriving meanwhile waits for its
     * first's). Useful before reading the rows (a test, a report) and before stopping.
     *
     * @throws InboxException when the outcomes could not be written within a minute
     */
    public void awaitOutcomes() {
        try {
            outcomes.flush();
        } catch (SQLException e) {
            throw new InboxException("inbox: " + e.getMessage(), e);
        }
    }

    /**
     * Makes captured messages due again for their source's handler in the background (replays are
     * idempotent: same message, same key), and records who asked and why; returns how many.
     *
     * @throws InboxException when the filter matches everything, or the reason or requester is blank
     */
    public int replay(InboxReplayFilter filter, String requestedBy, String reason) {
        if (requestedBy == null || requestedBy.isBlank() || reason == null || reason.isBlank()) {
            throw new InboxException("a replay needs who asks for it and why (--by and --reason)");
        }
        try {
            long[] done =
                    store.replay(filter.where(), filter.params(), filter.json(), requestedBy, reason, clock.instant());
            LOG.atInfo()
                    .setMessage("inbox replay {} by {}: {} messages ({}): {}")
                    .addArgument(done[0])
                    .addArgument(requestedBy)
                    .addArgument(done[1])
                    .addArgument(filter.json())
                    .addArgument(reason)
                    .log();
            engine.wake();
            return (int) done[1];
        } catch (SQLException e) {
            throw new InboxException("could not replay inbox messages: " + e.getMessage(), e);
        }
    }

    /**
     * Deletes finished messages (processed, duplicates, rejections) received more than {@code
     * olderThan} ago, in batches of {@code batch} (at most a thousand batches a call; the rest waits
     * for the next); failed and dead ones stay. Returns how many.
     */
    public int purge(Duration olderThan, int batch) {
        try {
            return Batches.repeat(batch, 1000, () -> store.purge(olderThan, batch, clock.instant()));
        } catch (SQLException e) {
            throw new InboxException("could not purge inbox messages: " + e.getMessage(), e);
        }
    }

    private static Map<String, String> redact(Map<String, String> headers, InboxSource source) {
        Map<String, String> out = new LinkedHashMap<>(Redaction.headers(headers));
        for (String name : source.redactedHeaders()) {
            out.computeIfPresent(name, (k, v) -> Redaction.REDACTED);
        }
        return out;
    }

    private static String correlationId(Map<String, String> headers) {
        Optional<String> current = Correlation.current();
        if (current.isPresent()) {
            return current.get();
        }
        String given = headers.get("x-correlation-id");
        return Correlation.isAcceptable(given) ? given : Correlation.newId();
    }

    private static String traceparent(Map<String, String> headers) {
        String given = headers.get("traceparent");
        if (TraceContext.wellFormed(given)) {
            return given;
        }
        return TraceContext.current().traceparent();
    }

    /** The {@code boundary_audit} line, written before the capture: it holds the payload if the capture fails. */
    private static void auditLine(InboxSource source, InboxStore.Capture c, Map<String, String> headers) {
        try {
            int shown = Math.min(c.body().length, LOGGED_PAYLOAD_MAX);
            AUDIT.atInfo()
                    .setMessage("boundary_audit inbound_write_attempt source={} key={}")
                    .addArgument(c.source())
                    .addArgument(c.key())
                    .addKeyValue("audit", "inbound_write_attempt")
                    .addKeyValue("audit_version", AUDIT_VERSION)
                    .addKeyValue("source", c.source())
                    .addKeyValue("destination", source.mode() == Mode.ASYNC ? "inbox:background" : "inbox:request")
                    .addKeyValue("idempotency_key", c.key())
                    .addKeyValue("key_origin", c.keyOrigin())
                    .addKeyValue("status", c.status())
                    .addKeyValue("payload_sha256", c.sha256())
                    .addKeyValue("payload_bytes", c.bodyBytes())
                    .addKeyValue(
                            "payload",
                            Redaction.text(new String(
                                    Arrays.copyOf(c.body(), shown), java.nio.charset.StandardCharsets.UTF_8)))
                    .addKeyValue("payload_truncated", c.truncated() || shown < c.body().length)
                    .addKeyValue("headers", headers)
                    .addKeyValue("origin", c.origin())
                    .addKeyValue("client_ip", c.clientIp())
                    .addKeyValue("correlation_id", c.correlationId())
                    .addKeyValue(
                            "trace_id",
                            c.traceparent() == null ? null : new TraceContext(c.traceparent(), null).traceId())
                    .log();
        } catch (RuntimeException | LinkageError e) {
            // the log line must never fail the request; the row (or the 503) still tells
        }
    }

    /** A body read once: the first bytes up to the limit, the full size and the full SHA-256. */
    record Body(byte[] bytes, long size, String sha256, boolean truncated) {

        static Body read(InputStream in, int limit) throws IOException {
            MessageDigest sha;
            try {
                sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            java.io.ByteArrayOutputStream kept = new java.io.ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            long size = 0;
            try (in) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    sha.update(buffer, 0, n);
                    if (size < limit) {
                        kept.write(buffer, 0, (int) Math.min(n, limit - size));
                    }
                    size += n;
                }
            }
            return new Body(kept.toByteArray(), size, HexFormat.of().formatHex(sha.digest()), size > limit);
        }
    }

    /** Builds an inbox; {@link #build()} checks it. */
    public static final class Builder {
        private final DataSource dataSource;
        private final Map<String, InboxSource> sources = new LinkedHashMap<>();
        private final Map<String, InboxHandler> handlers = new LinkedHashMap<>();
        private Clock clock = Clock.systemUTC();
        private String owner = "inbox-" + UUID.randomUUID().toString().substring(0, 8);
        private Duration lease = Duration.ofMinutes(5);
        private Duration pollInterval = Duration.ofSeconds(1);
        private int batchSize = 50;
        private int concurrency = 4;
        private RetryPolicy retry = new RetryPolicy(
                RetryPolicy.exponential(Duration.ofSeconds(5), Duration.ofHours(1), 10),
                0.2,
                Duration.ofHours(1),
                Math::random);
        private Executor executor;
        private TrustedProxies proxies = TrustedProxies.NONE;
        private Duration retention;
        private Duration outcomeLinger = Duration.ofMillis(10);

        private Builder(DataSource dataSource) {
            if (dataSource == null) {
                throw new InboxException("the inbox needs a DataSource");
            }
            this.dataSource = dataSource;
        }

        /** A source without a handler yet (see {@link #handler}); requests then need one given. */
        public Builder source(InboxSource source) {
            if (sources.putIfAbsent(source.name(), source) != null) {
                throw new InboxException("inbox source '" + source.name() + "' is configured twice");
            }
            return this;
        }

        /** A source and the handler that processes its messages (in the request, the background and replays). */
        public Builder source(InboxSource source, InboxHandler handler) {
            return source(source).handler(source.name(), handler);
        }

        public Builder handler(String source, InboxHandler handler) {
            handlers.put(source, handler);
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** This instance's name in {@code claimed_by}. */
        public Builder owner(String owner) {
            this.owner = owner;
            return this;
        }

        /**
         * How long a processing may take before another instance may take the message over (default
         * 5 min); also how long a message captured for processing in the request waits before the
         * background takes it, should the request die first.
         */
        public Builder lease(Duration lease) {
            this.lease = lease;
            return this;
        }

        public Builder pollInterval(Duration pollInterval) {
            this.pollInterval = pollInterval;
            return this;
        }

        /** Messages claimed at once by the background processing (default 50). */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Handlers run at once by the background processing (default 4). */
        public Builder concurrency(int concurrency) {
            this.concurrency = concurrency;
            return this;
        }

        /** The background's retries (default: exponential from 5 s to 1 h, dead after 10 attempts). */
        public Builder retryPolicy(RetryPolicy retry) {
            this.retry = retry;
            return this;
        }

        /** Runs handlers on this executor, e.g. a Jakarta Concurrency {@code ManagedExecutorService}. */
        public Builder executor(Executor executor) {
            this.executor = executor;
            return this;
        }

        /**
         * Deletes finished messages older than this every hour once started (processed, duplicates,
         * refusals; failed and dead ones stay); none by default.
         */
        public Builder retention(Duration retention) {
            this.retention = retention;
            return this;
        }

        /**
         * How long the outcome of a processing in a request waits for the next capture, whose
         * commit it shares, before it is written with a commit of its own (default 10 ms). Longer
         * saves commits when requests are sparse; the message shows {@code PROCESSING} that much
         * longer (a duplicate reaching another instance meanwhile is answered 409).
         */
        public Builder outcomeLinger(Duration outcomeLinger) {
            if (outcomeLinger.isNegative()) {
                throw new InboxException("the inbox's outcome linger must not be negative, got " + outcomeLinger);
            }
            this.outcomeLinger = outcomeLinger;
            return this;
        }

        /** The proxies whose {@code X-Forwarded-For} gives the client address. */
        public Builder trustedProxies(TrustedProxies proxies) {
            this.proxies = proxies;
            return this;
        }

        public Inbox build() {
            for (String source : handlers.keySet()) {
                if (!sources.containsKey(source)) {
                    throw new InboxException("a handler is registered for inbox source '" + source
                            + "', which is not configured; configured: " + sources.keySet());
                }
            }
            if (lease.isNegative() || lease.isZero()) {
                throw new InboxException("the inbox lease must be positive, got " + lease);
            }
            return new Inbox(this);
        }
    }
}
