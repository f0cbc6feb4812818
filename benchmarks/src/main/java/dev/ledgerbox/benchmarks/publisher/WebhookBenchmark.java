package dev.ledgerbox.benchmarks.publisher;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import com.sun.net.httpserver.HttpServer;
import dev.ledgerbox.benchmarks.BesideWatch;
import dev.ledgerbox.benchmarks.Cpu;
import dev.ledgerbox.benchmarks.DatabaseCost;
import dev.ledgerbox.benchmarks.Harness;
import dev.ledgerbox.benchmarks.HeapPeak;
import dev.ledgerbox.publisher.PublisherSettings;
import dev.ledgerbox.publisher.app.Daemon;
import dev.ledgerbox.publisher.outbox.LogSink;
import dev.ledgerbox.publisher.webhook.EndpointSpec;
import dev.ledgerbox.publisher.webhook.SecretBox;
import dev.ledgerbox.publisher.webhook.WebhookDispatcher;
import dev.ledgerbox.publisher.webhook.WebhookEndpoints;
import dev.ledgerbox.testing.EmbeddedDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hc.core5.http.impl.bootstrap.ServerBootstrap;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Webhook delivery on embedded PostgreSQL, to a receiver on loopback in this JVM answering 204
 * (HttpCore's classic server; the throughput is also measured against the JDK's HTTP server
 * handing each request to a thread of a pool, the receiver of the figures before and the hanging
 * endpoint's):
 *
 * <ul>
 *   <li><b>throughput</b>: 50,000 pre-loaded deliveries to one endpoint, one dispatcher, every
 *       attempt row written before and completed after its request; deliveries/s;
 *   <li><b>isolation</b>: the same to a healthy endpoint while a second endpoint hangs (its
 *       receiver never answers within the 5 s timeout); the healthy endpoint's rate against the
 *       first figure; then the same within one drain of four times as many deliveries: the
 *       healthy endpoint's rate in a second window (as long as its drain alone took) over its rate
 *       in the first, once with nothing else due and once with the hanging endpoint's deliveries
 *       coming due as the second window opens, in {@code pairs} pairs of such drains (the median
 *       of the pairs' ratios counted, the last pair's windows shown);
 *   <li><b>latency</b>: the whole publisher (claim loop, router, dispatcher) while a writer in
 *       another JVM commits 500 events/s (the aim's rate); commit to arrival at the receiver,
 *       p50/p95/p99 and the longest (the longest stall any delivery saw).
 * </ul>
 *
 * A warm-up comes first and is not counted: drains of {@code warmup} deliveries (default: as many
 * as {@code deliveries}) until the JIT compiler takes at most a tenth of the JVM's CPU in one
 * (twelve at most), and in each mode, after the server's restart, a drain of {@code deliveries} to
 * each receiver; each drain reports its CPU and WAL per delivery, and with {@code
 * statements=true} the first drain of each mode lists its statements by time ({@code
 * pg_stat_statements}). Durable settings first, then non-durable. Arguments: {@code
 * deliveries=50000 latencySeconds=15 rate=500 concurrency=32 latencyWarmup=5 warmup=deliveries
 * statements=false pairs=5 drains=3}; the throughput is the median of {@code drains} drains to
 * each receiver, alternating; the latency phase
 * begins with writer runs of 5 s until the JIT compilers take at most 100 ms of CPU in one (eight
 * at most), then {@code latencyWarmup} seconds at its rate, neither counted. Each drain prints the heap it
 * needed ({@link HeapPeak}); {@code backlog=true} runs the throughput drains only, so that with
 * {@code -Xmx256m deliveries=1000000 warmup=50000} a backlog of a million deliveries shows that the
 * dispatcher's memory does not grow with it; {@code latencyOnly=true} runs the latency phase only,
 * straight after the warm-up (in the full run it comes after the throughput drains and the pairs
 * beside a hanging endpoint, whose work the machine may still be paying for).
 */
public final class WebhookBenchmark {

    private WebhookBenchmark() {}

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = Harness.arguments(argv);
        int deliveries = Integer.parseInt(args.getOrDefault("deliveries", "50000"));
        int latencySeconds = Integer.parseInt(args.getOrDefault("latencySeconds", "15"));
        int latencyWarmup = Integer.parseInt(args.getOrDefault("latencyWarmup", "5"));
        int rate = Integer.parseInt(args.getOrDefault("rate", "500"));
        int concurrency = Integer.parseInt(args.getOrDefault("concurrency", "32"));
        ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("ROOT").setLevel(Level.WARN);
        Map<String, Instant> arrivals = new ConcurrentHashMap<>();
        // kept in the latency phase only: a million drained deliveries would fill the heap with them
        AtomicBoolean timingArrivals = new AtomicBoolean();
        // the JDK server leaves Nagle's algorithm on, which with delayed ACKs holds each response on a
        // kept-alive connection ~40 ms; real receivers (nginx, Netty, Undertow) switch it off
        System.setProperty("sun.net.httpserver.nodelay", "true");
        // two receivers. The healthy endpoint's is HttpCore's classic server (a thread per kept-alive
        // connection reads its requests and answers each at once, as a blocking server such as
        // Tomcat's does); the hanging endpoint's is the JDK's server handing each request to a thread
        // of a pool (it must: the hanging request holds its thread). The healthy endpoint on the
        // JDK's server, the receiver of the figures before, is drained too, beside the first: the
        // JDK's server took a third of this JVM's CPU there (its header parsing, a thread hand-off
        // and a selector registration per request), and that cost belongs in the table, not the rate
        org.apache.hc.core5.http.impl.bootstrap.HttpServer receiver = ServerBootstrap.bootstrap()
                .setLocalAddress(InetAddress.getLoopbackAddress())
                .setListenerPort(0)
                .setCanonicalHostName("127.0.0.1") // the authority it answers for (421 otherwise)
                .setSocketConfig(SocketConfig.custom()
                        .setTcpNoDelay(true)
                        .setSoTimeout(Timeout.ofMinutes(5))
                        .build())
                .register("/fast", (request, response, context) -> {
                    EntityUtils.consume(request.getEntity());
                    if (timingArrivals.get()) {
                        arrivals.put(request.getFirstHeader("webhook-id").getValue(), Instant.now());
                    }
                    response.setCode(204);
                })
                .create();
        HttpServer pooled = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
        pooled.createContext("/fast", exchange -> {
            exchange.getRequestBody().readAllBytes();
            if (timingArrivals.get()) {
                arrivals.put(exchange.getRequestHeaders().getFirst("webhook-id"), Instant.now());
            }
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        pooled.createContext("/hang", exchange -> {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        ExecutorService receiving = Executors.newFixedThreadPool(concurrency * 2);
        pooled.setExecutor(receiving);
        receiver.start();
        pooled.start();
        String base = "http://127.0.0.1:" + receiver.getLocalPort();
        String pooledBase = "http://127.0.0.1:" + pooled.getAddress().getPort();

        boolean statements = Boolean.parseBoolean(args.getOrDefault("statements", "false"));
        boolean backlogOnly = Boolean.parseBoolean(args.getOrDefault("backlog", "false"));
        boolean latencyOnly = Boolean.parseBoolean(args.getOrDefault("latencyOnly", "false"));
        int pairs = Integer.parseInt(args.getOrDefault("pairs", "5"));
        int drains = Integer.parseInt(args.getOrDefault("drains", "3"));
        if (drains < 1) {
            throw new IllegalArgumentException("drains must be at least 1, was " + drains);
        }
        if (pairs < 1) {
            throw new IllegalArgumentException("pairs must be at least 1, was " + pairs);
        }
        try (EmbeddedDatabase db = EmbeddedDatabase.startWith(true, 0, Harness.serverConfig(args))
                        .migrate("outbox", "webhook");
                Harness harness = new Harness(db, args)) {
            System.out.printf(
                    "%nWebhook benchmark: %d deliveries, %d dispatcher threads, receiver on loopback%n",
                    deliveries, concurrency);
            List<String> rows = new ArrayList<>();
            // the JVM's warm-up, not counted: the first phase would otherwise pay for the JIT. One
            // drain of it was not enough on two cores (the JIT compiler threads still took a third
            // of the JVM's CPU in the first durable drain, the aim's figure, which read half of what
            // a warm JVM does): drains until the JIT takes at most a tenth of the JVM's CPU in one,
            // twelve at most
            int warmup = Integer.parseInt(args.getOrDefault("warmup", String.valueOf(deliveries)));
            List<String> warmRates = new ArrayList<>();
            // (each pass drains to the JDK's receiver first, which the phases use too: code compiled
            // for one receiver's sockets alone was compiled again in the phases, a quarter of the
            // JVM's CPU in the first non-durable drain)
            for (int pass = 0; pass < 12; pass++) {
                WebhookEndpoints warmEndpoints = new WebhookEndpoints(harness.pool, SecretBox.plaintext());
                drainAfresh(harness, settings(db, concurrency), warmEndpoints, pooledBase, concurrency, warmup / 4);
                Drained warming =
                        drainAfresh(harness, settings(db, concurrency), warmEndpoints, base, concurrency, warmup);
                double jitShare = (double) warming.spent().jitNanos()
                        / Math.max(1, warming.spent().jvmNanos());
                warmRates.add(String.format(Locale.ROOT, "%.0f/s (JIT %.0f %%)", warming.rate(), 100 * jitShare));
                if (jitShare <= 0.10) {
                    break;
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "  warm-up: drains of %d deliveries until the JIT takes at most 10 %% of the JVM's CPU,"
                            + " not counted: %s%n",
                    warmup,
                    warmRates);
            for (boolean durable : new boolean[] {true, false}) {
                harness.setDurable(durable);
                String mode = durable ? "durable" : "non-durable";
                PublisherSettings settings = settings(db, concurrency);
                WebhookEndpoints endpoints = new WebhookEndpoints(harness.pool, SecretBox.plaintext());

                // warm-up, not counted: a drain of the phase's size to each receiver. The phase
                // begins with the server restarted (the modes switch so): new connections prepare
                // their statements again, the caches are cold, and with a tenth of a drain as the
                // warm-up the first counted drains cost the database up to 70 % more a delivery
                // than the third (141, 108.5 and 84.5 µs in one non-durable phase)
                for (String warmTo : List.of(base, pooledBase)) {
                    drainAfresh(harness, settings, endpoints, warmTo, concurrency, deliveries);
                }

                // the latency phase: an endpoint of its own, the arrivals timed while it runs
                Callable<double[]> latencyPhase = () -> {
                    clear(harness);
                    endpoint(endpoints, base + "/fast", concurrency, Duration.ofSeconds(5));
                    arrivals.clear();
                    timingArrivals.set(true);
                    try {
                        return latency(
                                db, harness, settings, latencyWarmup, latencySeconds, rate, statements, arrivals);
                    } finally {
                        timingArrivals.set(false);
                        arrivals.clear();
                    }
                };
                if (latencyOnly) { // straight after the warm-up
                    double[] latency = latencyPhase.call();
                    rows.add(String.format(
                            Locale.ROOT,
                            "| %s | | | | | | | | %.1f | %.1f | %.1f | %.1f |",
                            mode,
                            latency[0],
                            latency[1],
                            latency[2],
                            latency[3]));
                    continue;
                }
                clear(harness);
                // drains alternating between the receivers, the median of each counted: one drain's rate
                // moved by a tenth or more from one to the next on this machine
                List<Double> aloneRates = new ArrayList<>();
                List<Double> pooledRates = new ArrayList<>();
                for (int run = 0; run < drains; run++) {
                    clear(harness);
                    UUID fast = endpoint(endpoints, base + "/fast", concurrency, Duration.ofSeconds(5));
                    preload(harness, fast, deliveries);
                    if (statements && run == 0) {
                        DatabaseCost.resetStatements(harness.pool);
                    }
                    aloneRates.add(drain(harness, settings, fast, deliveries).rate());
                    if (statements && run == 0) {
                        DatabaseCost.printStatements(harness.pool, 12);
                    }
                    pooledRates.add(drainAfresh(harness, settings, endpoints, pooledBase, concurrency, deliveries)
                            .rate());
                }
                double alone = Harness.median(aloneRates);
                double alonePooled = Harness.median(pooledRates);
                System.out.printf(
                        Locale.ROOT,
                        "  %s throughput, deliveries/s by drain: %s (median %.0f); to the JDK's pooled receiver: %s"
                                + " (median %.0f)%n",
                        mode,
                        aloneRates.stream()
                                .map(r -> String.format(Locale.ROOT, "%.0f", r))
                                .toList(),
                        alone,
                        pooledRates.stream()
                                .map(r -> String.format(Locale.ROOT, "%.0f", r))
                                .toList(),
                        alonePooled);
                if (backlogOnly) {
                    rows.add(String.format(
                            Locale.ROOT, "| %s | %.0f | %.0f | | | | | | | | | |", mode, alone, alonePooled));
                    continue;
                }

                clear(harness);
                UUID fast = endpoint(endpoints, base + "/fast", concurrency, Duration.ofSeconds(5));
                UUID hanging = endpoint(endpoints, pooledBase + "/hang", 8, Duration.ofSeconds(5));
                preload(harness, hanging, deliveries / 10);
                preload(harness, fast, deliveries);
                if (statements) {
                    DatabaseCost.resetStatements(harness.pool);
                }
                double beside = drain(harness, settings, fast, deliveries).rate();
                if (statements) {
                    DatabaseCost.printStatements(harness.pool, 12);
                }

                // the same comparison within one drain (two drains one after the other differ by more
                // than the hanging endpoint's cost on this machine), next to one where nothing hangs:
                // a drain's second window is slower than its first by itself; in pairs, the median
                // counted (a pair's ratio moves with what else the machine does in its seconds)
                List<Double> withinPairs = new ArrayList<>();
                double[] control = null;
                double[] windows = null;
                for (int pair = 0; pair < pairs; pair++) {
                    clear(harness);
                    fast = endpoint(endpoints, base + "/fast", concurrency, Duration.ofSeconds(5));
                    preload(harness, fast, 4 * deliveries);
                    control = drainInWindows(harness, settings, fast, null, deliveries / alone);
                    clear(harness);
                    fast = endpoint(endpoints, base + "/fast", concurrency, Duration.ofSeconds(5));
                    hanging = endpoint(endpoints, pooledBase + "/hang", 8, Duration.ofSeconds(5));
                    preload(harness, hanging, deliveries / 10);
                    preload(harness, fast, 4 * deliveries);
                    windows = drainInWindows(harness, settings, fast, hanging, deliveries / alone);
                    withinPairs.add((windows[1] / windows[0]) / (control[1] / control[0]));
                }
                double within = Harness.median(withinPairs);
                System.out.printf(
                        Locale.ROOT,
                        "  beside a hanging endpoint, within a drain, by pair: %s; median %.2f%n",
                        withinPairs.stream()
                                .map(r -> String.format(Locale.ROOT, "%.2f", r))
                                .toList(),
                        within);

                double[] latency = latencyPhase.call();
                String row = String.format(
                        Locale.ROOT,
                        "| %s | %.0f | %.0f | %.0f | %.2f | %.2f | %.2f | %.2f | %.1f | %.1f | %.1f | %.1f |",
                        mode,
                        alone,
                        alonePooled,
                        beside,
                        beside / alone,
                        control[1] / control[0],
                        windows[1] / windows[0],
                        within,
                        latency[0],
                        latency[1],
                        latency[2],
                        latency[3]);
                System.out.println(row);
                rows.add(row);
            }
            System.out.println();
            System.out.println("| mode | deliveries/s | deliveries/s, receiver on a thread pool"
                    + " | deliveries/s beside a hanging endpoint | ratio"
                    + " | one drain: 2nd window / 1st, nothing hangs | the same, one hangs from the 2nd"
                    + " | beside, within a drain | p50 ms | p95 ms | p99 ms | longest ms |");
            System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            rows.forEach(System.out::println);
            System.out.printf(
                    "(latency at %d events/s offered; aims: >= 5000 deliveries/s, ratio ~1, p99 <= 50 ms,"
                            + " no delivery waits 1 s or more)%n",
                    rate);
        } finally {
            receiver.close(CloseMode.IMMEDIATE);
            pooled.stop(0);
            receiving.shutdownNow(); // its threads would keep the JVM from exiting
        }
    }

    private static PublisherSettings settings(EmbeddedDatabase db, int concurrency) {
        return Harness.publisherSettings(
                db, "publisher.poll-interval", "1s", "publisher.webhook.concurrency", Integer.toString(concurrency));
    }

    /** A drain of {@code n} deliveries to a new endpoint at {@code receiver}'s {@code /fast}, the tables emptied first. */
    private static Drained drainAfresh(
            Harness harness,
            PublisherSettings settings,
            WebhookEndpoints endpoints,
            String receiver,
            int concurrency,
            int n)
            throws Exception {
        clear(harness);
        UUID endpoint = endpoint(endpoints, receiver + "/fast", concurrency, Duration.ofSeconds(5));
        preload(harness, endpoint, n);
        return drain(harness, settings, endpoint, n);
    }

    private static void clear(Harness harness) {
        harness.execute("TRUNCATE webhook_attempt, webhook_delivery, webhook_message, webhook_replay, webhook_secret,"
                + " webhook_endpoint, outbox_event, outbox_aggregate, outbox_listener CASCADE");
    }

    private static UUID endpoint(WebhookEndpoints endpoints, String url, int concurrency, Duration timeout)
            throws Exception {
        return endpoints
                .add(EndpointSpec.builder(url)
                        .allowPrivate(true)
                        .maxConcurrency(concurrency)
                        .timeout(timeout)
                        .build())
                .endpoint()
                .id();
    }

    /** Deliveries as the router stores them: one message per event, one aggregate each. */
    private static void preload(Harness harness, UUID endpoint, int n) {
        harness.execute("WITH m AS (INSERT INTO webhook_message (event_id, type, aggregatetype, aggregateid,"
                + " aggregate_seq, body, correlation_id, occurred_at)"
                + " SELECT gen_random_uuid(), 'order.created', 'order', 'o-' || i || '-" + endpoint + "', 1,"
                + " '{\"type\":\"order.created\",\"timestamp\":\"' || now() || '\",\"data\":'"
                + " || jsonb_build_object('id', i, 'customer', 'customer-' || (i % 1000), 'total', i * 1.5)::text"
                + " || '}', 'bench-' || i, now() FROM generate_series(1, " + n + ") AS i"
                + " RETURNING event_id, aggregatetype, aggregateid)"
                + " INSERT INTO webhook_delivery (event_id, endpoint_id, aggregatetype, aggregateid, aggregate_seq)"
                + " SELECT event_id, '" + endpoint + "', aggregatetype, aggregateid, 1 FROM m");
        harness.execute("VACUUM ANALYZE webhook_delivery");
        harness.execute("VACUUM ANALYZE webhook_message");
    }

    private static WebhookDispatcher dispatcher(Harness harness, PublisherSettings settings) {
        return new WebhookDispatcher(
                settings.webhook(),
                "bench",
                harness.pool,
                settings.lease(),
                settings.pollInterval(),
                Clock.systemUTC(),
                () -> ThreadLocalRandom.current().nextDouble(),
                new SimpleMeterRegistry(),
                OpenTelemetry.noop());
    }

    /** A drain's rate (deliveries/s) and what it cost the JVM and the database. */
    private record Drained(double rate, DatabaseCost spent) {}

    private static Drained drain(Harness harness, PublisherSettings settings, UUID endpoint, int n) throws Exception {
        WebhookDispatcher dispatcher = dispatcher(harness, settings);
        DatabaseCost before = DatabaseCost.now(harness.pool);
        HeapPeak heap = HeapPeak.start();
        long started = System.nanoTime();
        dispatcher.start();
        // watched through the due index, in its order: a count(*) of the delivered rows every 20 ms,
        // or a look the planner served otherwise (6-7 ms a look), took a large share of the CPU the
        // dispatcher was being measured on. The due index asks for a condition on the due time
        // (webhook schema 5), and a strict one: PostgreSQL drops "IS NOT NULL" on a NOT NULL column
        while (harness.count("SELECT count(*) FROM (SELECT 1 FROM webhook_delivery WHERE endpoint_id = '"
                        + endpoint
                        + "' AND status IN ('PENDING', 'CLAIMED', 'FAILED') AND next_attempt_at < 'infinity'"
                        + " ORDER BY next_attempt_at, id LIMIT 1) AS open")
                > 0) {
            Thread.sleep(20);
        }
        double rate = n * 1e9 / (System.nanoTime() - started);
        DatabaseCost spent = DatabaseCost.now(harness.pool).since(before);
        System.out.println("  " + spent.perUnit(n, "delivery"));
        System.out.println("  " + heap.stop());
        dispatcher.stop(Duration.ofSeconds(10));
        long attempts = harness.count("SELECT count(*) FROM webhook_attempt WHERE outcome = 'DELIVERED'"
                + " AND response_status = 204 AND endpoint_id = '" + endpoint + "'");
        if (attempts != n) {
            throw new IllegalStateException("expected " + n + " completed attempt rows, found " + attempts);
        }
        return new Drained(rate, spent);
    }

    /**
     * One drain of a backlog four times the phase's size, the hanging endpoint's deliveries (if
     * any) due {@code windowSeconds} after its first second: deliveries per second to the healthy
     * endpoint in the window before they are due and in the window of the same length after.
     */
    private static double[] drainInWindows(
            Harness harness, PublisherSettings settings, UUID fast, UUID hanging, double windowSeconds)
            throws Exception {
        WebhookDispatcher dispatcher = dispatcher(harness, settings);
        long window = (long) (windowSeconds * 1000);
        if (hanging != null) {
            harness.execute("UPDATE webhook_delivery SET next_attempt_at = now() + interval '" + (1000 + window)
                    + " milliseconds' WHERE endpoint_id = '" + hanging + "'");
        }
        long started = System.nanoTime();
        Instant startedAt = Instant.now();
        dispatcher.start();
        long[] open = new long[3];
        long[] at = new long[3];
        for (int i = 0; i < 3; i++) {
            Thread.sleep(Math.max(0, (1000 + i * window) - (System.nanoTime() - started) / 1_000_000));
            at[i] = System.nanoTime();
            open[i] = harness.count("SELECT count(*) FROM webhook_delivery WHERE endpoint_id = '" + fast
                    + "' AND status IN ('PENDING', 'CLAIMED', 'FAILED')");
        }
        dispatcher.stop(Duration.ofSeconds(10));
        if (open[2] == 0) {
            System.out.println("  one drain: the backlog ran out before the second window ended; its rate is low");
        }
        printResponsesOverTime(harness, fast, startedAt, window);
        long hung = hanging == null
                ? 0
                : harness.count("SELECT count(*) FROM webhook_attempt WHERE endpoint_id = '" + hanging + "'");
        System.out.printf(
                Locale.ROOT,
                "  one drain: %d, %d, %d deliveries open at 1 s and after two windows of %.1f s; %d attempts to"
                        + " the hanging endpoint%n",
                open[0],
                open[1],
                open[2],
                windowSeconds,
                hung);
        return new double[] {(open[0] - open[1]) * 1e9 / (at[1] - at[0]), (open[1] - open[2]) * 1e9 / (at[2] - at[1])};
    }

    /**
     * The healthy endpoint's answered attempts in each quarter second from half a second before the
     * second window to its end: whether a loss in the second window is spread or in one place.
     */
    private static void printResponsesOverTime(Harness harness, UUID fast, Instant startedAt, long window)
            throws Exception {
        long from = 1000 + window - 500;
        long to = 1000 + 2 * window;
        StringBuilder line = new StringBuilder("    answered per 250 ms from 0.5 s before the second window:");
        try (var c = harness.pool.getConnection();
                var ps = c.prepareStatement(
                        "SELECT floor((extract(epoch FROM responded_at) * 1000 - ?) / 250)::int AS q,"
                                + " count(*) FROM webhook_attempt WHERE endpoint_id = ? AND responded_at IS NOT NULL"
                                + " GROUP BY 1 ORDER BY 1")) {
            ps.setDouble(1, startedAt.toEpochMilli() + from);
            ps.setObject(2, fast);
            java.util.Map<Integer, Long> counts = new java.util.HashMap<>();
            try (var rs = ps.executeQuery()) {
                while (rs.next()) {
                    counts.put(rs.getInt(1), rs.getLong(2));
                }
            }
            for (int q = 0; q < (to - from) / 250; q++) {
                line.append(' ').append(counts.getOrDefault(q, 0L));
            }
        }
        System.out.println(line);
    }

    /** Commit (in the writer's JVM) to arrival at the receiver, through the whole publisher. */
    private static double[] latency(
            EmbeddedDatabase db,
            Harness harness,
            PublisherSettings settings,
            int warmupSeconds,
            int seconds,
            int rate,
            boolean statements,
            Map<String, Instant> arrivals)
            throws Exception {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.getLogger("ledgerbox").setLevel(Level.WARN); // no event lines on the console
        Map<String, Instant> committed = new HashMap<>();
        BesideWatch beside = BesideWatch.start(harness.pool);
        try (Daemon daemon = new Daemon(settings, new LogSink(false)).start()) {
            Thread.sleep(1000);
            warmUpTheLatencyPath(db, rate);
            if (statements) {
                DatabaseCost.resetStatements(harness.pool);
            }
            DatabaseCost before = DatabaseCost.now(harness.pool);
            // the outbox's claim and its routing have not run in this JVM yet, nor has the writer:
            // its first seconds are not counted, so that the phase measures them compiled
            committed.putAll(LatencyWriter.run(db.jdbcUrl(), warmupSeconds, seconds, rate));
            // what the publisher and the database spend on an event while they keep up with it
            before.printSince(
                    harness.pool, "at " + rate + " events/s, ", (long) (warmupSeconds + seconds) * rate, "event");
            if (statements) {
                DatabaseCost.printStatements(harness.pool, 12);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!arrivals.keySet().containsAll(committed.keySet()) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        } finally {
            beside.close();
        }
        List<Double> millis = new ArrayList<>();
        committed.forEach((id, at) -> {
            Instant arrived = arrivals.get(id);
            if (arrived != null) {
                millis.add(Duration.between(at, arrived).toNanos() / 1e6);
            }
        });
        if (millis.size() != committed.size()) {
            throw new IllegalStateException("received " + millis.size() + " of " + committed.size() + " webhooks");
        }
        printStages(harness, committed, arrivals);
        Harness.printSlowestBySecond(committed, arrivals);
        beside.print(committed.values().stream().min(Instant::compareTo).orElseThrow(), seconds);
        return Harness.percentiles(millis);
    }

    /**
     * The latency path (the outbox's claim, the log line, the routing) runs in no phase before this
     * one, and was compiled in its counted seconds: with the writer's 10 s of warm-up alone, the
     * JIT compilers still took 10-250 ms of CPU a second through the first (durable) phase's counted
     * seconds, and 0-10 in the second's. So writer runs of 5 s come first, not counted, until the
     * compilers take at most 100 ms of CPU in one (eight at most).
     */
    private static void warmUpTheLatencyPath(EmbeddedDatabase db, int rate) throws Exception {
        List<Long> jitMillis = new ArrayList<>();
        for (int run = 0; run < 8; run++) {
            long before = Cpu.collectorAndCompilerNanos()[1];
            LatencyWriter.run(db.jdbcUrl(), 5, rate);
            jitMillis.add((Cpu.collectorAndCompilerNanos()[1] - before) / 1_000_000);
            if (jitMillis.get(run) <= 100) {
                break;
            }
        }
        System.out.println("  latency warm-up: writer runs of 5 s, not counted, until the JIT compilers take at most"
                + " 100 ms of CPU in one: " + jitMillis + " ms");
    }

    /**
     * Where the time from commit to arrival goes, from what the tables store: commit to routed (the
     * outbox engine woke, claimed, and its record's transaction began: the delivery's {@code
     * created_at}), routed to requested (the dispatcher woke and claimed: the attempt's {@code
     * requested_at}), requested to arrived (the claim's commit and the HTTP request).
     */
    private static void printStages(Harness harness, Map<String, Instant> committed, Map<String, Instant> arrivals)
            throws Exception {
        List<Double> toRouted = new ArrayList<>();
        List<Double> toRequested = new ArrayList<>();
        List<Double> toArrived = new ArrayList<>();
        try (var c = harness.pool.getConnection();
                var s = c.createStatement();
                var rs = s.executeQuery("SELECT d.event_id::text, d.created_at, a.requested_at FROM webhook_delivery d"
                        + " JOIN webhook_attempt a ON a.delivery_id = d.id AND a.attempt = 1")) {
            while (rs.next()) {
                Instant commit = committed.get(rs.getString(1));
                Instant arrived = arrivals.get(rs.getString(1));
                if (commit == null || arrived == null) {
                    continue;
                }
                Instant routed = rs.getTimestamp(2).toInstant();
                Instant requested = rs.getTimestamp(3).toInstant();
                toRouted.add(Duration.between(commit, routed).toNanos() / 1e6);
                toRequested.add(Duration.between(routed, requested).toNanos() / 1e6);
                toArrived.add(Duration.between(requested, arrived).toNanos() / 1e6);
            }
        }
        for (var stage : List.of(
                Map.entry("commit -> routed", toRouted),
                Map.entry("routed -> requested", toRequested),
                Map.entry("requested -> arrived", toArrived))) {
            double[] p = Harness.percentiles(stage.getValue());
            System.out.printf(
                    Locale.ROOT,
                    "    %-22s p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, longest %.1f ms%n",
                    stage.getKey(),
                    p[0],
                    p[1],
                    p[2],
                    p[3]);
        }
    }
}
