package dev.ledgerbox.publisher.webhook;

import static net.logstash.logback.argument.StructuredArguments.kv;

import dev.ledgerbox.publisher.EventChecks;
import dev.ledgerbox.publisher.WebhookSettings;
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
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Delivers webhooks: claims due deliveries for the endpoints that have room (a claim writes the
 * request row of each attempt in the same short transaction), sends each on a worker thread with
 * no transaction open, and records responses in batches on a recorder thread.
 *
 * <p>Isolation: an endpoint gets at most its {@code max_concurrency} attempts in flight and its
 * rate per second (per instance); its circuit opens after repeated failures, and while it is
 * open its deliveries are not claimed at all. A hanging endpoint therefore holds only its own
 * slots; the others' deliveries go on. Time comes from the injected {@link Clock}, so retry
 * schedules and circuits are tested without sleeping.
 *
 * <p>Thread-safe; {@link #start()} once, {@link #close()} once.
 */
public final class WebhookDispatcher implements AutoCloseable {

    /** The version of the {@code boundary_audit} log lines' fields. */
    public static final int LOG_VERSION = 1;

    private static final Logger LOG = LoggerFactory.getLogger(WebhookDispatcher.class);
    private static final Logger AUDIT = LoggerFactory.getLogger("ledgerbox.webhooks");
    private static final TextMapGetter<String> TRACEPARENT = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String carrier) {
            return List.of("traceparent");
        }

        @Override
        public String get(String carrier, String key) {
            return "traceparent".equals(key) ? carrier : null;
        }
    };

    private final WebhookSettings settings;
    private final String owner;
    private final WebhookStore store;
    private final WebhookClient client;
    private final Clock clock;
    private final RetrySchedule schedule;
    private final Duration lease;
    private final Duration pollInterval;
    private final MeterRegistry metrics;
    private final Tracer tracer;
    private final String userAgent;

    private final Map<UUID, EndpointState> endpoints = new ConcurrentHashMap<>();
    private final ExecutorService workers;
    private final LinkedBlockingQueue<Result> results = new LinkedBlockingQueue<>();
    private final Semaphore signal = new Semaphore(0);
    /** Claimed and not finished: waiting for a slot of their endpoint, or in flight. */
    private final AtomicInteger outstanding = new AtomicInteger();

    private final AtomicBoolean running = new AtomicBoolean();
    private final Timer latency;
    private volatile Instant endpointsReadAt = Instant.EPOCH;
    private volatile Instant heartbeat = Instant.now();
    private volatile boolean databaseReachable;
    private volatile boolean installed;
    private int round;
    private Thread loop;
    private Thread recorder;

    /**
     * @param lease how long past an endpoint's timeout a claim stays valid
     * @param random the jitter's source, a number from 0 to below 1
     */
    public WebhookDispatcher(
            WebhookSettings settings,
            String owner,
            DataSource dataSource,
            Duration lease,
            Duration pollInterval,
            Clock clock,
            DoubleSupplier random,
            MeterRegistry metrics,
            OpenTelemetry telemetry) {
        this.settings = settings;
        this.owner = owner;
        this.store = new WebhookStore(dataSource);
        this.clock = clock;
        this.lease = lease;
        this.pollInterval = pollInterval;
        this.schedule = new RetrySchedule(settings.retrySchedule(), 0.2, random);
        this.metrics = metrics;
        this.tracer = telemetry.getTracer("ledgerbox-publisher");
        String version = WebhookDispatcher.class.getPackage().getImplementationVersion();
        this.userAgent = "Ledgerbox-Webhooks/" + (version == null ? "dev" : version);
        this.client = new WebhookClient(
                settings.connectTimeout(), settings.concurrency() * 2, settings.responseBodyMax(), userAgent);
        this.workers = Executors.newFixedThreadPool(settings.concurrency(), r -> {
            Thread t = new Thread(r, "ledgerbox-webhook");
            t.setDaemon(true);
            return t;
        });
        this.latency = Timer.builder("ledgerbox.webhook.delivery.latency")
                .description("time from the event's commit to its webhook's delivery")
                .publishPercentileHistogram()
                .register(metrics);
    }

    public void start() {
        if (!running.compareAndSet(false, true)) {
            throw new IllegalStateException("the webhook dispatcher is already running");
        }
        loop = new Thread(this::claimLoop, "ledgerbox-webhook-claims");
        recorder = new Thread(this::recordLoop, "ledgerbox-webhook-recorder");
        loop.start();
        recorder.start();
    }

    /** New deliveries may be due (routed, replayed, or time moved on). */
    public void wake() {
        signal.release();
    }

    /** Re-reads endpoints and secrets at the next round (after changes through the API). */
    public void refreshEndpoints() {
        endpointsReadAt = Instant.EPOCH;
        signal.release();
    }

    public boolean alive() {
        Thread t = loop;
        Duration quiet = pollInterval.plus(Duration.ofSeconds(60));
        return t != null && t.isAlive() && heartbeat.plus(quiet).isAfter(Instant.now());
    }

    public boolean databaseReachable() {
        return databaseReachable;
    }

    /**
     * Deletes finished deliveries past the retention, with their attempts and messages, in
     * bounded batches (at most 20 a call); returns how many deliveries. Nothing before the
     * webhook schema is installed.
     */
    public int purge(Duration olderThan, int batch) throws SQLException {
        if (olderThan.isZero()) {
            return 0;
        }
        if (!installed) { // once it is, neither this nor the claim loop asks again
            installed = store.installed();
            if (!installed) {
                return 0;
            }
        }
        int total = 0;
        for (int i = 0; i < 20; i++) {
            int n = store.purge(olderThan, batch);
            total += n;
            if (n < batch) {
                break;
            }
        }
        return total;
    }

    /** Deliveries claimed and not finished yet (waiting for a slot of their endpoint, or in flight). */
    public int outstanding() {
        return outstanding.get();
    }

    /** Stops claiming, lets attempts in flight finish and records them, within {@code grace}. */
    public void stop(Duration grace) throws InterruptedException {
        if (!running.getAndSet(false)) {
            return;
        }
        signal.release();
        long deadline = System.nanoTime() + grace.toNanos();
        loop.join(Math.max(1, grace.toMillis()));
        workers.shutdown();
        workers.awaitTermination(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
        recorder.interrupt();
        recorder.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        try {
            client.close();
        } catch (IOException e) {
            LOG.debug("closing the HTTP client: {}", e.getMessage());
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop(Duration.ofSeconds(30));
    }

    // ---- claiming

    private void claimLoop() {
        Duration backoff = Duration.ofSeconds(1);
        while (running.get()) {
            heartbeat = Instant.now();
            try {
                if (!installed) {
                    installed = store.installed();
                    databaseReachable = true;
                    if (!installed) {
                        LOG.info("the webhook schema is not installed (run: migrate); no webhooks are sent");
                        await(Duration.ofSeconds(60));
                        continue;
                    }
                }
                Instant now = clock.instant();
                refreshIfStale(now);
                // claims hold up to two rounds of work, so that the next claim is under way while
                // the workers are busy; a claim waits until at least half a round is free
                int free = 2 * settings.concurrency() - outstanding.get();
                if (outstanding.get() > 0 && free < Math.max(1, settings.concurrency() / 2)) {
                    await(pollInterval);
                    continue;
                }
                List<Room> rooms = rooms(now, free);
                List<Prepared> claimed = store.claim(owner, rooms, now, this::prepare);
                databaseReachable = true;
                backoff = Duration.ofSeconds(1);
                for (Prepared p : claimed) {
                    dispatch(p, now);
                }
                int claimable = rooms.stream().mapToInt(Room::n).sum();
                if (claimed.size() < claimable || rooms.isEmpty()) {
                    await(pollInterval); // nothing more is due: wait for a routing, a completion or the poll
                }
            } catch (SQLException e) {
                databaseReachable = false;
                LOG.warn("webhook dispatcher: database unreachable, retrying in {}: {}", backoff, e.getMessage());
                await(backoff);
                backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(30)) > 0
                        ? Duration.ofSeconds(30)
                        : backoff.multipliedBy(2);
            } catch (RuntimeException e) {
                LOG.error("webhook dispatcher: unexpected failure, going on", e);
                await(Duration.ofSeconds(1));
            }
        }
    }

    private void await(Duration d) {
        try {
            if (signal.tryAcquire(d.toMillis(), TimeUnit.MILLISECONDS)) {
                signal.drainPermits();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.set(false);
        }
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
                .removeIf(id -> !byId.containsKey(id) && endpoints.get(id).outstanding() == 0);
        for (EndpointConfig config : configs) {
            endpoints.compute(config.endpoint().id(), (id, state) -> {
                if (state == null) {
                    return new EndpointState(config, settings, now);
                }
                state.update(config, now);
                return state;
            });
        }
        endpointsReadAt = wallNow;
    }

    /** Each endpoint's room now: its free slots, its circuit's permits, its rate's tokens. */
    private List<Room> rooms(Instant now, int free) {
        List<Room> rooms = new ArrayList<>();
        int budget = free;
        List<EndpointState> states = new ArrayList<>(endpoints.values());
        if (!states.isEmpty()) { // a different endpoint goes first each round, so that none starves
            java.util.Collections.rotate(states, round++ % states.size());
        }
        for (EndpointState state : states) {
            EndpointConfig config = state.config;
            if (config == null || config.secrets().isEmpty()) {
                continue;
            }
            int waiting = state.outstanding();
            int room = 2 * config.endpoint().maxConcurrency() - waiting;
            int permits = state.breaker.permits(now);
            if (permits < Integer.MAX_VALUE) { // half-open: one probe, alone
                room = waiting == 0 ? Math.min(room, permits) : 0;
            }
            if (state.limiter != null) {
                room = Math.min(room, state.limiter.available(now));
            }
            room = Math.min(room, budget);
            if (room > 0) {
                long leaseMillis = config.endpoint().timeout().plus(lease).toMillis();
                rooms.add(new Room(config.endpoint().id(), room, leaseMillis));
                budget -= room;
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
        return new Request(endpoint.url(), headers, Redaction.headers(headers), body, sha256(body), now);
    }

    // ---- sending

    private void dispatch(Prepared p, Instant now) {
        EndpointState state = endpoints.get(p.delivery().endpointId());
        state.breaker.started(now);
        if (state.limiter != null) {
            state.limiter.take(1, now);
        }
        outstanding.incrementAndGet();
        state.enqueue(p);
        pump(state);
    }

    /**
     * Starts the endpoint's waiting deliveries while it has free slots (an attempt that finds the
     * endpoint's circuit open when its turn comes gives its delivery back unsent).
     */
    private void pump(EndpointState state) {
        for (Prepared next; (next = state.nextToStart()) != null; ) {
            Prepared p = next;
            try {
                workers.execute(() -> attempt(p, state));
            } catch (RuntimeException e) { // stopping: the lease runs out and the delivery comes back
                state.finished();
                outstanding.decrementAndGet();
            }
        }
    }

    private void attempt(Prepared p, EndpointState state) {
        Claimed d = p.delivery();
        Instant startedAt = clock.instant();
        if (state.breaker.state(startedAt) == CircuitBreaker.State.OPEN) {
            // the circuit opened while this one waited for a worker: give it back unsent
            results.add(new Result(p, null, Verdict.RELEASED, null, "circuit open", startedAt));
            state.finished();
            outstanding.decrementAndGet();
            pump(state);
            signal.release();
            return;
        }
        logRequest(p);
        WebhookEndpoint endpoint = state.config.endpoint();
        Span span = tracer.spanBuilder("POST")
                .setParent(parentOf(d))
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
        Instant now = clock.instant();
        Result result = judge(p, response, now);
        if (result.verdict() == Verdict.DELIVERED) {
            state.breaker.succeeded();
            latency.record(Duration.between(d.occurredAt(), Instant.now()));
        } else if (state.breaker.failed(now)) {
            LOG.warn(
                    "webhook endpoint {} keeps failing ({}): circuit open for {}",
                    endpoint.id(),
                    result.reason(),
                    settings.circuitOpen());
        }
        Counter.builder("ledgerbox.webhook.attempts")
                .tag("endpoint", endpoint.id().toString())
                .tag("outcome", result.verdict().name().toLowerCase(java.util.Locale.ROOT))
                .register(metrics)
                .increment();
        logResponse(result);
        results.add(result);
        state.finished();
        outstanding.decrementAndGet();
        pump(state);
        signal.release();
    }

    private static Context parentOf(Claimed d) {
        return d.traceparent() == null
                ? Context.root()
                : W3CTraceContextPropagator.getInstance().extract(Context.root(), d.traceparent(), TRACEPARENT);
    }

    /** The retry policy: what an attempt's response means for its delivery. */
    Result judge(Prepared p, WebhookClient.Response response, Instant now) {
        int status = response.status();
        int attempt = p.delivery().attempt();
        if (response.error() == null && status >= 200 && status <= 299) {
            return new Result(p, response, Verdict.DELIVERED, null, null, now);
        }
        if (status == 410) {
            return new Result(
                    p, response, Verdict.GONE, null, "410 Gone: the receiver asked for no more deliveries", now);
        }
        String reason;
        Duration wait = null;
        if (response.error() != null) {
            Exception e = response.error();
            reason = e.getClass().getSimpleName() + ": " + e.getMessage();
        } else if (status >= 300 && status <= 399) {
            String location = response.headers().get("location");
            reason = "HTTP " + status + ": redirects are not followed"
                    + (location == null ? "" : " (to " + location + ")");
        } else {
            reason = "HTTP " + status;
            if (status == 429 || status == 503) {
                wait = retryAfter(response.headers().get("retry-after"), now);
                if (wait != null) {
                    reason += ", Retry-After " + wait.toSeconds() + " s";
                }
            }
        }
        Duration delay = schedule.delayAfter(attempt);
        if (delay == null) {
            return new Result(
                    p, response, Verdict.DEAD, null, "gave up after " + attempt + " attempts: " + reason, now);
        }
        Instant next = now.plus(wait != null ? wait : delay);
        return new Result(p, response, Verdict.RETRY, next, reason, now);
    }

    /** {@code Retry-After} in seconds or as an HTTP date, cut to the configured maximum; null when absent or bad. */
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
        if (wait.isNegative()) {
            return Duration.ZERO;
        }
        return wait.compareTo(settings.retryAfterMax()) > 0 ? settings.retryAfterMax() : wait;
    }

    // ---- recording

    private void recordLoop() {
        List<Result> batch = new ArrayList<>();
        while (running.get() || outstanding.get() > 0 || !results.isEmpty()) {
            try {
                Result first = results.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                results.drainTo(batch, 499);
                recordWithRetries(batch);
                batch.clear();
            } catch (InterruptedException e) {
                // stopping: record what is left, then end
                results.drainTo(batch);
                recordWithRetries(batch);
                batch.clear();
                if (outstanding.get() == 0) {
                    return;
                }
            }
        }
    }

    private void recordWithRetries(List<Result> batch) {
        if (batch.isEmpty()) {
            return;
        }
        for (int tries = 1; ; tries++) {
            try {
                store.record(owner, batch);
                boolean gone = batch.stream().anyMatch(r -> r.verdict() == Verdict.GONE);
                if (gone) {
                    refreshEndpoints();
                }
                signal.release(); // the next deliveries of these aggregates may be due now
                return;
            } catch (SQLException e) {
                databaseReachable = false;
                if (tries >= 5) {
                    LOG.warn(
                            "could not record {} webhook attempt(s) ({}); their deliveries will be attempted again"
                                    + " when their leases end",
                            batch.size(),
                            e.getMessage());
                    return;
                }
                try {
                    Thread.sleep(200L * tries);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    // ---- logging

    private void logRequest(Prepared p) {
        withContext(
                p.delivery(),
                () -> AUDIT.info(
                        "boundary_audit request {} {}",
                        kv("phase", "request"),
                        kv("url", p.request().url().toString()),
                        kv("log_version", LOG_VERSION),
                        kv("delivery_id", p.delivery().id()),
                        kv("attempt_id", p.attemptId()),
                        kv("endpoint_id", p.delivery().endpointId()),
                        kv("event_type", p.delivery().type()),
                        kv("attempt", p.delivery().attempt()),
                        kv("payload_sha256", p.request().bodySha256())));
    }

    private void logResponse(Result r) {
        Prepared p = r.prepared();
        WebhookClient.Response response = r.response();
        withContext(
                p.delivery(),
                () -> AUDIT.info(
                        "boundary_audit response {} {} {}",
                        kv("phase", "response"),
                        kv("status", response.status() > 0 ? response.status() : null),
                        kv("outcome", r.verdict().name()),
                        kv("log_version", LOG_VERSION),
                        kv("url", p.request().url().toString()),
                        kv("delivery_id", p.delivery().id()),
                        kv("attempt_id", p.attemptId()),
                        kv("endpoint_id", p.delivery().endpointId()),
                        kv("event_type", p.delivery().type()),
                        kv("attempt", p.delivery().attempt()),
                        kv("duration_ms", response.durationMillis()),
                        kv("error", r.reason()),
                        kv(
                                "next_attempt_at",
                                r.nextAttemptAt() == null
                                        ? null
                                        : r.nextAttemptAt().toString()),
                        kv("payload_sha256", p.request().bodySha256())));
    }

    private static void withContext(Claimed d, Runnable log) {
        put("correlation_id", d.correlationId());
        put("event_id", d.eventId().toString());
        put("trace_id", EventChecks.traceId(d.traceparent()));
        put("span_id", EventChecks.spanId(d.traceparent()));
        try {
            log.run();
        } finally {
            MDC.remove("correlation_id");
            MDC.remove("event_id");
            MDC.remove("trace_id");
            MDC.remove("span_id");
        }
    }

    private static void put(String key, String value) {
        if (value != null) {
            MDC.put(key, value);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** One endpoint's live state in this instance: settings, slots in use, circuit, rate. */
    private static final class EndpointState {
        volatile EndpointConfig config;
        private final java.util.ArrayDeque<Prepared> waiting = new java.util.ArrayDeque<>();
        private int running;
        final CircuitBreaker breaker;
        volatile RateLimiter limiter;

        EndpointState(EndpointConfig config, WebhookSettings settings, Instant now) {
            this.breaker = new CircuitBreaker(settings.circuitFailures(), settings.circuitOpen());
            update(config, now);
        }

        synchronized int outstanding() {
            return running + waiting.size();
        }

        synchronized void enqueue(Prepared p) {
            waiting.add(p);
        }

        /** The next delivery to start, taking a slot, or null when none waits or no slot is free. */
        synchronized Prepared nextToStart() {
            if (waiting.isEmpty() || running >= config.endpoint().maxConcurrency()) {
                return null;
            }
            running++;
            return waiting.poll();
        }

        synchronized void finished() {
            running--;
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
