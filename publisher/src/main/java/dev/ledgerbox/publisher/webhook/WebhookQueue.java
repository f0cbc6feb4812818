package dev.ledgerbox.publisher.webhook;

import dev.ledgerbox.outbox.spi.Redaction;
import dev.ledgerbox.outbox.spi.TraceContext;
import dev.ledgerbox.publisher.engine.RetryPolicy;
import dev.ledgerbox.publisher.engine.WorkEngine;
import dev.ledgerbox.publisher.spi.BoundaryLine;
import dev.ledgerbox.publisher.spi.NetworkErrors;
import dev.ledgerbox.publisher.spi.Outcome;
import dev.ledgerbox.publisher.spi.Text;
import dev.ledgerbox.publisher.spi.WorkContext;
import dev.ledgerbox.publisher.spi.WorkQueue;
import dev.ledgerbox.publisher.spi.WorkResult;
import dev.ledgerbox.publisher.webhook.Deliveries.Attempt;
import dev.ledgerbox.publisher.webhook.Deliveries.Claimed;
import dev.ledgerbox.publisher.webhook.Deliveries.Prepared;
import dev.ledgerbox.publisher.webhook.Deliveries.Request;
import dev.ledgerbox.publisher.webhook.Deliveries.Result;
import dev.ledgerbox.publisher.webhook.Deliveries.Verdict;
import dev.ledgerbox.publisher.webhook.WebhookStore.EndpointConfig;
import dev.ledgerbox.publisher.webhook.WebhookStore.Room;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Webhook attempts as work. A claim takes due deliveries for the endpoints that have room and
 * writes the request row of each attempt in the same short transaction (signed meanwhile); the
 * work sends one request with no transaction open and judges the response; recording completes
 * the attempt rows and moves the deliveries on, in batches.
 *
 * <p>Isolation: each endpoint is a lane of the engine with its {@code max_concurrency} slots; an
 * endpoint gets at most two rounds of its slots claimed and not done (four with those done and not
 * yet recorded), its rate per second (per instance), and
 * its circuit opens after repeated failures, after which its deliveries are not claimed, and those
 * already claimed are given back unsent. Time comes from the injected {@link Clock}. Thread-safe.
 */
final class WebhookQueue implements WorkQueue<Attempt>, AutoCloseable {

    /** The {@code audit} field of its {@code boundary_audit} lines, whose shape is {@link BoundaryLine}'s. */
    static final String KIND = "webhook_attempt";

    private static final Logger LOG = LoggerFactory.getLogger(WebhookQueue.class);
    private static final Logger AUDIT = LoggerFactory.getLogger("ledgerbox.webhooks");
    /** Rounds of an endpoint's slots in hand at most, done and waiting to be recorded included. */
    private static final int ROUNDS_IN_HAND = 4;

    private final WebhookSettings settings;
    private final WebhookStore store;
    private final WebhookClient client;
    private final Clock clock;
    private final RetryPolicy retry;
    private final Duration lease;
    private final MeterRegistry metrics;
    private final Tracer tracer;
    private final String userAgent;
    private final Timer latency;

    private final Map<UUID, EndpointState> endpoints = new ConcurrentHashMap<>();
    private volatile Instant endpointsReadAt = Instant.EPOCH;
    private final Object installLock = new Object();
    private volatile boolean installed;
    private long installCheckedAt; // under installLock
    private int round;

    WebhookQueue(
            WebhookSettings settings,
            DataSource dataSource,
            Duration lease,
            Clock clock,
            RetryPolicy retry,
            MeterRegistry metrics,
            OpenTelemetry telemetry) {
        this.settings = settings;
        this.store = new WebhookStore(dataSource, settings.secrets());
        this.clock = clock;
        this.retry = retry;
        this.lease = lease;
        this.metrics = metrics;
        this.tracer = telemetry.getTracer("ledgerbox-publisher");
        String version = WebhookQueue.class.getPackage().getImplementationVersion();
        this.userAgent = "Ledgerbox-Webhooks/" + (version == null ? "dev" : version);
        // a connection for every attempt the engine may run at once, slow ones included: attempts
        // that hang must not take the connections the other endpoints' attempts need
        this.client = new WebhookClient(
                settings.connectTimeout(),
                WorkEngine.mostRunningAtOnce(settings.concurrency(), WebhookDispatcher.batchSize(settings)),
                settings.responseBodyMax(),
                userAgent);
        this.latency = Timer.builder("ledgerbox.webhook.delivery.latency")
                .description("time from the event's commit to its webhook's delivery")
                .publishPercentileHistogram()
                .register(metrics);
    }

    @Override
    public String name() {
        return "webhook";
    }

    /**
     * The state of each endpoint's circuit in this instance ({@code CLOSED}, {@code OPEN}, {@code
     * HALF_OPEN}), for the endpoints it has claimed for.
     */
    Map<UUID, String> circuits() {
        Map<UUID, String> states = new HashMap<>();
        endpoints.forEach((id, state) -> states.put(id, state.breaker.state().name()));
        return states;
    }

    /** Re-reads endpoints and secrets at the next claim (after changes through the API). */
    void refreshEndpoints() {
        endpointsReadAt = Instant.EPOCH;
    }

    WebhookStore store() {
        return store;
    }

    /**
     * Whether the webhook schema is installed; asked again at most once a minute until it is. The
     * claim loop and the outbox's router ask from their own threads: one that comes while the other
     * is asking waits for its answer (it read "not installed" before, and the router then marked the
     * daemon's first events delivered with no delivery routed).
     */
    boolean installed() throws SQLException {
        if (installed) {
            return true;
        }
        synchronized (installLock) {
            long now = System.nanoTime();
            if (!installed && (installCheckedAt == 0 || now - installCheckedAt > 60_000_000_000L)) {
                installCheckedAt = now;
                installed = store.installed();
                if (!installed) {
                    LOG.info("the webhook schema is not installed (run: migrate); no webhooks are sent");
                }
            }
            return installed;
        }
    }

    // ---- claiming

    @Override
    public List<Attempt> claim(Claim claim) throws SQLException {
        if (!installed()) {
            return List.of();
        }
        return claim(claim, List.of());
    }

    @Override
    public boolean recordsInTheClaim() {
        return true;
    }

    @Override
    public List<Attempt> recordAndClaim(List<WorkResult<Attempt>> results, Claim claim) throws SQLException {
        return claim(claim, results); // outcomes exist: the schema is installed
    }

    private List<Attempt> claim(Claim claim, List<WorkResult<Attempt>> outcomes) throws SQLException {
        Instant now = claim.now();
        refreshIfStale(now);
        Set<UUID> probes = new HashSet<>();
        List<Room> rooms = rooms(now, claim.max(), probes);
        List<Prepared> claimed;
        try {
            if (outcomes.isEmpty()) {
                claimed = store.claim(claim.owner(), rooms, now, this::prepare);
            } else {
                List<Result> rows = results(outcomes);
                claimed = store.recordAndClaim(claim.owner(), rows, rooms, now, this::prepare);
                leaveHand(outcomes); // failing, they go back to the engine's recorder, still in hand
                refreshIfGone(rows);
            }
        } catch (SQLException | RuntimeException e) {
            probes.forEach(id -> endpoints.get(id).breaker.notStarted());
            throw e;
        }
        List<Attempt> attempts = new ArrayList<>(claimed.size());
        for (Prepared p : claimed) {
            EndpointState state = endpoints.get(p.delivery().endpointId());
            probes.remove(p.delivery().endpointId());
            if (state.limiter != null) {
                state.limiter.take(1, now);
            }
            state.inHand.incrementAndGet();
            state.notDone.incrementAndGet();
            attempts.add(new Attempt(p));
        }
        probes.forEach(id -> endpoints.get(id).breaker.notStarted()); // a probe that found nothing to send
        return attempts;
    }

    private void refreshIfStale(Instant now) throws SQLException {
        Instant wallNow = Instant.now();
        if (endpointsReadAt.plus(settings.endpointRefresh()).isAfter(wallNow)) {
            return;
        }
        List<EndpointConfig> configs = store.endpoints(now);
        Map<UUID, EndpointConfig> byId = new HashMap<>();
        configs.forEach(c -> byId.put(c.endpoint().id(), c));
        endpoints
                .keySet()
                .removeIf(
                        id -> !byId.containsKey(id) && endpoints.get(id).inHand.get() == 0);
        for (EndpointConfig config : configs) {
            endpoints.compute(config.endpoint().id(), (id, state) -> {
                if (state == null) {
                    return new EndpointState(config, settings, clock, now);
                }
                state.update(config, now);
                return state;
            });
        }
        endpointsReadAt = wallNow;
    }

    /**
     * Each endpoint's room now: two rounds of its slots not done yet (one round running, one waiting
     * for a slot: what its leases allow for), four rounds with those done and waiting to be recorded,
     * its circuit's permit, its rate's tokens. An endpoint whose circuit lets a probe through gets
     * one, alone; it is added to {@code probes}.
     */
    private List<Room> rooms(Instant now, int budget, Set<UUID> probes) {
        List<Room> rooms = new ArrayList<>();
        List<EndpointState> states = new ArrayList<>(endpoints.values());
        if (!states.isEmpty()) { // a different endpoint goes first each claim, so that none starves
            Collections.rotate(states, round++ % states.size());
        }
        for (EndpointState state : states) {
            EndpointConfig config = state.config;
            if (config == null || config.secrets().isEmpty()) {
                continue;
            }
            int inHand = state.inHand.get();
            int slots = config.endpoint().maxConcurrency();
            int room = Math.min(2 * slots - state.notDone.get(), ROUNDS_IN_HAND * slots - inHand);
            boolean probe = state.breaker.state() != CircuitBreaker.State.CLOSED;
            if (probe) { // open: nothing until its wait is over, then one probe, alone
                if (inHand > 0 || !state.breaker.tryStart()) {
                    continue;
                }
                room = Math.min(room, 1);
            }
            if (state.limiter != null) {
                room = Math.min(room, state.limiter.available(now));
            }
            room = Math.min(room, budget);
            if (room > 0) {
                long leaseMillis = config.endpoint().timeout().plus(lease).toMillis();
                rooms.add(new Room(config.endpoint().id(), room, leaseMillis));
                budget -= room;
                if (probe) {
                    probes.add(config.endpoint().id());
                }
            } else if (probe) {
                state.breaker.notStarted();
            }
            if (budget <= 0) {
                break;
            }
        }
        return rooms;
    }

    /** Builds and signs one attempt's request; runs inside the claim's transaction, so no I/O. */
    private Request prepare(Claimed d) {
        EndpointConfig config = endpoints.get(d.endpointId()).config;
        WebhookEndpoint endpoint = config.endpoint();
        Instant now = clock.instant();
        byte[] body = d.body().getBytes(StandardCharsets.UTF_8);
        long timestamp = now.getEpochSecond();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("webhook-id", d.eventId().toString());
        headers.put("webhook-timestamp", Long.toString(timestamp));
        headers.put(
                "webhook-signature",
                WebhookSigner.signature(d.eventId().toString(), timestamp, body, config.secrets()));
        headers.put("content-type", "application/json");
        headers.put("user-agent", userAgent);
        if (d.correlationId() != null) {
            headers.put("x-correlation-id", d.correlationId());
        }
        if (d.traceparent() != null) { // checked when the outbox event was claimed
            headers.put("traceparent", d.traceparent()); // never baggage: it would leak internal data
        }
        headers.putAll(endpoint.headers());
        return new Request(endpoint.url(), headers, Redaction.headers(headers), body, Text.sha256(body), now);
    }

    // ---- sending

    @Override
    public Object lane(Attempt a) {
        return a.prepared.delivery().endpointId();
    }

    @Override
    public int laneLimit(Attempt a) {
        EndpointState state = endpoints.get(a.prepared.delivery().endpointId());
        return state == null ? 1 : state.config.endpoint().maxConcurrency();
    }

    @Override
    public int attempt(Attempt a) {
        return a.prepared.delivery().attempt();
    }

    @Override
    public WorkContext context(Attempt a) {
        Claimed d = a.prepared.delivery();
        return new WorkContext(
                d.eventId().toString(), d.correlationId(), new TraceContext(d.traceparent(), null), d.type() + " send");
    }

    @Override
    public Outcome work(Attempt a) {
        Prepared p = a.prepared;
        Claimed d = p.delivery();
        EndpointState state = endpoints.get(d.endpointId());
        if (state.breaker.state() == CircuitBreaker.State.OPEN) {
            // the circuit opened while this one waited for a slot: give it back unsent
            return Outcome.giveBack("circuit open");
        }
        logRequest(p);
        WebhookEndpoint endpoint = state.config.endpoint();
        Span span = tracer.spanBuilder("POST")
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute("http.request.method", "POST")
                .setAttribute("url.full", endpoint.url().toString())
                .setAttribute("messaging.message.id", d.eventId().toString())
                .startSpan();
        WebhookClient.Response response;
        try {
            response = client.post(
                    p.request().url(),
                    p.request().headers(),
                    p.request().body(),
                    endpoint.timeout(),
                    endpoint.allowPrivate());
            if (response.status() > 0) {
                span.setAttribute("http.response.status_code", response.status());
            }
            if (response.error() != null || response.status() < 200 || response.status() > 299) {
                span.setStatus(StatusCode.ERROR);
            }
        } finally {
            span.end();
        }
        a.response = response;
        Instant now = clock.instant();
        Outcome outcome = judge(response, now);
        if (outcome instanceof Outcome.Delivered) {
            state.breaker.succeeded();
            latency.record(Duration.between(d.occurredAt(), Instant.now()));
        } else if (state.breaker.failed()) {
            LOG.warn(
                    "webhook endpoint {} keeps failing ({}): circuit open for {}",
                    endpoint.id(),
                    reason(outcome),
                    settings.circuitOpen());
        }
        return outcome;
    }

    /** The attempt's response line and count, with its verdict settled (retry time or dead). */
    @Override
    public boolean finished(WorkResult<Attempt> result) {
        done(result.work());
        WebhookClient.Response response = result.work().response;
        if (response == null) {
            return false; // not sent: given back (nothing to log), or the work broke (the engine logs it)
        }
        Prepared p = result.work().prepared;
        Verdict verdict = verdict(result.outcome(), response);
        Counter.builder("ledgerbox.webhook.attempts")
                .tag("endpoint", p.delivery().endpointId().toString())
                .tag("outcome", verdict.name().toLowerCase(Locale.ROOT))
                .register(metrics)
                .increment();
        Integer status = response.status() > 0 ? response.status() : null;
        BoundaryLine line = BoundaryLine.response(
                        AUDIT,
                        KIND,
                        p.delivery().attempt(),
                        destination(p),
                        "POST",
                        p.request().url().toString(),
                        status,
                        response.durationMillis(),
                        reason(result.outcome()),
                        response.error() == null ? null : NetworkErrors.code(response.error()))
                .with("outcome", verdict.name())
                .with(
                        "next_attempt_at",
                        result.retryAt() == null ? null : result.retryAt().toString());
        withAttempt(line, p).log();
        return true;
    }

    /** What an attempt's response means: delivered, gone (dead at once), or a retry. */
    Outcome judge(WebhookClient.Response response, Instant now) {
        int status = response.status();
        if (response.error() == null && status >= 200 && status <= 299) {
            return Outcome.DELIVERED;
        }
        if (status == 410) {
            return Outcome.dead("410 Gone: the receiver asked for no more deliveries");
        }
        if (response.error() != null) {
            Exception e = response.error();
            return Outcome.retry(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        if (status >= 300 && status <= 399) {
            String location = response.headers().get("location");
            return Outcome.retry("HTTP " + status + ": redirects are not followed"
                    + (location == null ? "" : " (to " + location + ")"));
        }
        if (status == 429 || status == 503) {
            Duration wait = retryAfter(response.headers().get("retry-after"), now);
            if (wait != null) {
                return Outcome.retryAfter("HTTP " + status + ", Retry-After " + wait.toSeconds() + " s", wait);
            }
        }
        return Outcome.retry("HTTP " + status);
    }

    /** {@code Retry-After} in seconds or as an HTTP date, within the retry policy's bounds; null when absent or bad. */
    Duration retryAfter(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return null;
        }
        Duration wait;
        try {
            wait = Duration.ofSeconds(Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            try {
                wait = Duration.between(now, ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME));
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
        return retry.receiverWait(wait);
    }

    private static String reason(Outcome o) {
        if (o instanceof Outcome.Retry r) {
            return r.reason();
        }
        if (o instanceof Outcome.Dead d) {
            return d.reason();
        }
        return o instanceof Outcome.GiveBack g ? g.reason() : null;
    }

    // ---- recording

    @Override
    public void record(String owner, List<WorkResult<Attempt>> results) throws SQLException {
        List<Result> rows = results(results);
        try {
            store.record(owner, rows);
        } finally {
            leaveHand(results);
        }
        refreshIfGone(rows);
    }

    /** A 410 recorded disabled its endpoint: the claims learn of it now rather than at the next refresh. */
    private void refreshIfGone(List<Result> rows) {
        if (rows.stream().anyMatch(r -> r.verdict() == Verdict.GONE)) {
            refreshEndpoints();
        }
    }

    /** The rows that record what became of each attempt. */
    private List<Result> results(List<WorkResult<Attempt>> results) {
        List<Result> rows = new ArrayList<>(results.size());
        for (WorkResult<Attempt> r : results) {
            Attempt a = r.work();
            WebhookClient.Response response = a.response;
            Verdict verdict = verdict(r.outcome(), response);
            if (response == null && verdict != Verdict.RELEASED) { // the work failed before an answer
                response =
                        new WebhookClient.Response(-1, Map.of(), null, false, 0, new IOException(reason(r.outcome())));
            }
            rows.add(new Result(a.prepared, response, verdict, r.retryAt(), reason(r.outcome()), r.finishedAt()));
        }
        return rows;
    }

    /**
     * The attempts no longer count against their endpoints once the recorder tried to record them,
     * whatever came of it (the engine tries again, or gives them up to their leases), or once a
     * claim recorded them; each once, however many times it is tried.
     */
    private void leaveHand(List<WorkResult<Attempt>> results) {
        for (WorkResult<Attempt> r : results) {
            Attempt a = r.work();
            done(a); // given back unsent by the engine, it was not finished
            if (a.leftHand) {
                continue;
            }
            a.leftHand = true;
            EndpointState state = endpoints.get(a.prepared.delivery().endpointId());
            if (state != null) {
                state.inHand.decrementAndGet();
            }
        }
    }

    /** The attempt no longer takes a round of its endpoint's slots; once. */
    private void done(Attempt a) {
        if (a.done) {
            return;
        }
        a.done = true;
        EndpointState state = endpoints.get(a.prepared.delivery().endpointId());
        if (state != null) {
            state.notDone.decrementAndGet();
        }
    }

    private static Verdict verdict(Outcome o, WebhookClient.Response response) {
        if (o instanceof Outcome.Delivered) {
            return Verdict.DELIVERED;
        }
        if (o instanceof Outcome.Retry) {
            return Verdict.RETRY;
        }
        if (o instanceof Outcome.GiveBack) {
            return Verdict.RELEASED;
        }
        return response != null && response.status() == 410 ? Verdict.GONE : Verdict.DEAD;
    }

    // ---- logging

    private void logRequest(Prepared p) {
        BoundaryLine line = BoundaryLine.request(
                AUDIT,
                KIND,
                p.delivery().attempt(),
                destination(p),
                "POST",
                p.request().url().toString());
        withAttempt(line, p).log();
    }

    /** A webhook's destination in {@code boundary_audit} lines: its endpoint. */
    private static String destination(Prepared p) {
        return "webhook:" + p.delivery().endpointId();
    }

    /** The webhook's own fields of both its lines; the ids of the event come from the MDC. */
    private static BoundaryLine withAttempt(BoundaryLine line, Prepared p) {
        return line.with("delivery_id", p.delivery().id())
                .with("attempt_id", p.attemptId())
                .with("endpoint_id", p.delivery().endpointId())
                .with("event_type", p.delivery().type())
                .with("payload_sha256", p.request().bodySha256());
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (IOException e) {
            LOG.debug("closing the HTTP client: {}", e.getMessage());
        }
    }

    /** One endpoint's live state in this instance: settings, work in hand, circuit, rate. */
    private static final class EndpointState {
        volatile EndpointConfig config;
        /** Claimed and not recorded. */
        final AtomicInteger inHand = new AtomicInteger();
        /** Claimed and neither sent and judged nor given back. */
        final AtomicInteger notDone = new AtomicInteger();

        final CircuitBreaker breaker;
        volatile RateLimiter limiter;

        EndpointState(EndpointConfig config, WebhookSettings settings, Clock clock, Instant now) {
            this.breaker = new CircuitBreaker(settings.circuitFailures(), settings.circuitOpen(), clock);
            update(config, now);
        }

        void update(EndpointConfig next, Instant now) {
            Integer before = config == null ? null : config.endpoint().ratePerSecond();
            Integer rate = next.endpoint().ratePerSecond();
            if (rate == null) {
                limiter = null;
            } else if (!rate.equals(before) || limiter == null) {
                limiter = new RateLimiter(rate, now);
            }
            config = next;
        }
    }
}
