package dev.ledgerbox.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ledgerbox.console.Actions.Operator;
import dev.ledgerbox.console.Analytics.Health;
import dev.ledgerbox.console.Sessions.Principal;
import dev.ledgerbox.publisher.webhook.SecretBox;
import dev.ledgerbox.publisher.webhook.WebhookEndpoints;
import dev.ledgerbox.publisher.webhook.WebhookException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator console: the admin JSON API under {@code /api} (described in {@code
 * /api/openapi.yaml}) and the pages that use it, behind sign-in. Viewers read; operators also
 * replay dead letters, disable and enable endpoints, rotate secrets and send test events, with a
 * CSRF token from a browser session. It keeps the per-minute rollups up to date and, given a meter
 * registry, publishes each endpoint's health figures.
 *
 * <pre>{@code
 * Console console = Console.builder(dataSource, ConsoleSettings.from(config::get)).build().start();
 * }</pre>
 */
public final class Console implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Console.class);
    private static final String WEB = "dev/ledgerbox/console/web/";
    private static final Map<String, String> ASSETS = Map.of(
            "/static/console.js", "text/javascript; charset=utf-8",
            "/static/console.css", "text/css; charset=utf-8",
            "/api/openapi.yaml", "application/yaml; charset=utf-8");
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
            + " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    private static final int BODY_MAX = 64 * 1024;

    private final DataSource dataSource;
    private final ConsoleSettings settings;
    private final Clock clock;
    private final MeterRegistry metrics;
    private final Rollup rollup;
    private final Analytics analytics;
    private final Lookups lookups;
    private final Actions actions;
    private final Sessions sessions;
    private final AdminApi api;
    private final Map<UUID, Health> healthSnapshot = new ConcurrentHashMap<>();
    private final Set<UUID> gauged = ConcurrentHashMap.newKeySet();
    private volatile Instant healthAt = Instant.EPOCH;
    private HttpServer server;
    private ExecutorService workers;
    private ScheduledExecutorService refresher;

    private Console(Builder b) {
        this.dataSource = b.dataSource;
        this.settings = b.settings;
        this.clock = b.clock;
        this.metrics = b.metrics;
        this.rollup = new Rollup(dataSource);
        this.analytics = new Analytics(dataSource, rollup, settings.health(), b.circuits, clock);
        this.lookups = new Lookups(dataSource);
        this.actions = new Actions(dataSource, clock, b.secrets, b.endpointsChanged);
        this.sessions = new Sessions(settings.users(), settings.sessionIdle(), clock);
        this.api = new AdminApi(
                dataSource,
                clock,
                analytics,
                lookups,
                actions,
                new WebhookEndpoints(dataSource, b.secrets),
                () -> health(false));
    }

    public static Builder builder(DataSource dataSource, ConsoleSettings settings) {
        return new Builder(dataSource, settings);
    }

    /** What the console runs beside; everything but the data source and settings is optional. */
    public static final class Builder {
        private final DataSource dataSource;
        private final ConsoleSettings settings;
        private Clock clock = Clock.systemUTC();
        private MeterRegistry metrics;
        private Supplier<Map<UUID, String>> circuits = Map::of;
        private Runnable endpointsChanged = () -> {};
        private SecretBox secrets = SecretBox.none();

        private Builder(DataSource dataSource, ConsoleSettings settings) {
            this.dataSource = dataSource;
            this.settings = settings;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** Where each endpoint's health score, success rate and p95 latency are published. */
        public Builder metrics(MeterRegistry metrics) {
            this.metrics = metrics;
            return this;
        }

        /** The circuit state of each endpoint in the running publisher (its webhook dispatcher's). */
        public Builder circuits(Supplier<Map<UUID, String>> circuits) {
            this.circuits = circuits;
            return this;
        }

        /** How the publisher seals webhook secrets and header values (its {@code publisher.secrets.*}). */
        public Builder secrets(SecretBox secrets) {
            this.secrets = secrets;
            return this;
        }

        /** Told when an operator changed an endpoint (the publisher re-reads them). */
        public Builder endpointsChanged(Runnable endpointsChanged) {
            this.endpointsChanged = endpointsChanged;
            return this;
        }

        public Console build() {
            if (settings.users().isEmpty()) {
                throw new dev.ledgerbox.publisher.ConfigurationException(
                        "publisher.console.users is not set: the console needs at least one user (print one with"
                                + " `ledgerbox-publisher console-user NAME ROLE`)");
            }
            return new Console(this);
        }
    }

    /** Binds the port and starts serving and refreshing; returns at once. */
    public Console start() throws IOException {
        AtomicInteger n = new AtomicInteger();
        workers = Executors.newFixedThreadPool(8, r -> daemon(r, "ledgerbox-console-" + n.incrementAndGet()));
        server = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 64);
        server.createContext("/", this::handle);
        server.setExecutor(workers);
        server.start();
        refresher = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "ledgerbox-console-refresh"));
        refresher.scheduleWithFixedDelay(this::refresh, 0, settings.refresh().toMillis(), TimeUnit.MILLISECONDS);
        LOG.info(
                "console on http://{}:{}/ ({} users)",
                settings.host(),
                port(),
                settings.users().size());
        return this;
    }

    /** The API's routes, each described in openapi.yaml (a test holds them to it). */
    List<String> routeList() {
        return api.routeList();
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        if (refresher != null) {
            refresher.shutdownNow();
            try {
                refresher.awaitTermination(30, TimeUnit.SECONDS); // a roll-up pass ends first
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (server != null) {
            server.stop(0);
        }
        if (workers != null) {
            workers.shutdownNow();
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Rolls up the minutes that ended and recomputes the endpoints' health. */
    void refresh() {
        try {
            rollup.catchUp(clock.instant());
            health(true);
        } catch (SQLException e) {
            LOG.debug("console refresh could not reach the database: {}", e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("console refresh failed", e);
        }
    }

    private Map<UUID, Health> health(boolean now) throws SQLException {
        if (now || clock.instant().isAfter(healthAt.plus(settings.refresh()))) {
            Map<UUID, Health> fresh = analytics.health();
            healthSnapshot.keySet().retainAll(fresh.keySet());
            healthSnapshot.putAll(fresh);
            healthAt = clock.instant();
            gauges(fresh);
        }
        return healthSnapshot;
    }

    private void gauges(Map<UUID, Health> health) throws SQLException {
        if (metrics == null) {
            return;
        }
        Map<String, String> urls = analytics.endpointUrls();
        for (UUID id : health.keySet()) {
            if (gauged.add(id)) {
                String url = urls.getOrDefault(id.toString(), "");
                Gauge.builder("ledgerbox.endpoint.health", healthSnapshot, h -> figure(h, id, "score"))
                        .description("Endpoint health score, 0 to 1 (see the console's health thresholds)")
                        .tags("endpoint", id.toString(), "url", url)
                        .register(metrics);
                Gauge.builder("ledgerbox.endpoint.success.rate", healthSnapshot, h -> figure(h, id, "successRate"))
                        .description("Delivered among the finished attempts in the health window")
                        .tags("endpoint", id.toString(), "url", url)
                        .register(metrics);
                Gauge.builder("ledgerbox.endpoint.latency.p95", healthSnapshot, h -> figure(h, id, "p95Ms") / 1000)
                        .description("p95 attempt latency in the health window, seconds (to a latency bucket)")
                        .baseUnit("seconds")
                        .tags("endpoint", id.toString(), "url", url)
                        .register(metrics);
            }
        }
    }

    private static double figure(Map<UUID, Health> snapshot, UUID id, String name) {
        Health h = snapshot.get(id);
        if (h == null) {
            return Double.NaN;
        }
        Object v = name.equals("score") ? h.score() : h.figures().get(name);
        return v == null ? Double.NaN : ((Number) v).doubleValue();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            ex.getResponseHeaders().set("Content-Security-Policy", CSP);
            ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            ex.getResponseHeaders().set("Referrer-Policy", "no-referrer");
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            if (path.equals("/login") && method.equals("GET")) {
                asset(ex, "login.html", "text/html; charset=utf-8");
                return;
            }
            if (path.equals("/login") && method.equals("POST")) {
                signIn(ex);
                return;
            }
            if (path.startsWith("/static/") && ASSETS.containsKey(path)) {
                asset(ex, path.substring(path.lastIndexOf('/') + 1), ASSETS.get(path));
                return;
            }
            Principal principal = principal(ex);
            if (path.equals("/") || path.equals("/index.html")) {
                if (principal == null) {
                    redirect(ex, "/login");
                } else {
                    asset(ex, "index.html", "text/html; charset=utf-8");
                }
                return;
            }
            if (path.equals("/logout") && method.equals("POST")) {
                if (principal != null && principal.sessionId() != null && csrfOk(ex, principal)) {
                    sessions.signOut(principal.sessionId());
                }
                ex.getResponseHeaders()
                        .add("Set-Cookie", Sessions.COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
                redirect(ex, "/login");
                return;
            }
            if (!path.startsWith("/api/")) {
                json(ex, 404, error("there is no page " + path));
                return;
            }
            if (principal == null) {
                // no WWW-Authenticate: Basic, so that browsers never ask for (and keep) credentials
                json(ex, 401, error("sign in at /login, or send Authorization: Basic (a console user)"));
                return;
            }
            if (path.equals("/api/openapi.yaml")) {
                asset(ex, "openapi.yaml", ASSETS.get(path));
                return;
            }
            api(ex, principal, path, method);
        } catch (RuntimeException | IOException e) {
            LOG.warn(
                    "console request {} {} failed",
                    ex.getRequestMethod(),
                    ex.getRequestURI().getPath(),
                    e);
        }
    }

    private void api(HttpExchange ex, Principal principal, String path, String method) throws IOException {
        boolean[] known = new boolean[1];
        AdminApi.Match match = api.match(method, path, known);
        if (match == null) {
            json(
                    ex,
                    known[0] ? 405 : 404,
                    error(known[0] ? method + " is not allowed on " + path : "no API at " + path));
            return;
        }
        AdminApi.Route route = match.route();
        try {
            JsonNode body = null;
            if (method.equals("POST")) {
                byte[] bytes = ex.getRequestBody().readNBytes(BODY_MAX + 1);
                if (bytes.length > BODY_MAX) {
                    throw new AdminApi.Refusal(413, "the request body is over " + BODY_MAX + " bytes");
                }
                if (!route.operator() || !principal.operator()) {
                    throw new AdminApi.Refusal(403, principal.name() + " is a viewer: this needs the operator role");
                }
                body = bytes.length == 0 ? Rows.JSON.createObjectNode() : readJson(bytes);
                if (principal.csrf() != null && !csrfOk(ex, principal)) {
                    throw new AdminApi.Refusal(403, "the CSRF token is missing or wrong: reload the page");
                }
            }
            String remote = ex.getRemoteAddress().getAddress().getHostAddress();
            AdminApi.Request request = new AdminApi.Request(
                    principal,
                    match.path(),
                    query(ex.getRequestURI().getRawQuery()),
                    body,
                    new Operator(
                            principal.name(), remote, ex.getRequestHeaders().getFirst("User-Agent")));
            json(ex, 200, route.handler().handle(request));
        } catch (AdminApi.Refusal e) {
            json(ex, e.status, error(e.getMessage()));
        } catch (WebhookException | IllegalArgumentException e) {
            json(ex, 400, error(e.getMessage()));
        } catch (SQLException e) {
            LOG.warn("console: the database refused {} {}: {}", method, path, e.getMessage());
            json(ex, 503, error("the database is unreachable or refused the request: " + e.getMessage()));
        }
    }

    private static JsonNode readJson(byte[] bytes) {
        try {
            JsonNode node = Rows.JSON.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new AdminApi.Refusal(400, "the request body must be a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new AdminApi.Refusal(
                    400,
                    "the request body is not JSON: "
                            + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** The {@code X-CSRF-Token} header equals the session's token. */
    private static boolean csrfOk(HttpExchange ex, Principal principal) {
        String token = ex.getRequestHeaders().getFirst("X-CSRF-Token");
        return Passwords.same(token, principal.csrf());
    }

    private Principal principal(HttpExchange ex) {
        String cookies = ex.getRequestHeaders().getFirst("Cookie");
        if (cookies != null) {
            for (String part : cookies.split(";")) {
                String[] kv = part.trim().split("=", 2);
                if (kv.length == 2 && kv[0].equals(Sessions.COOKIE)) {
                    Principal p = sessions.session(kv[1]);
                    if (p != null) {
                        return p;
                    }
                }
            }
        }
        return sessions.basic(
                ex.getRequestHeaders().getFirst("Authorization"),
                ex.getRemoteAddress().getAddress().getHostAddress());
    }

    private void signIn(HttpExchange ex) throws IOException {
        Map<String, String> form = query(new String(ex.getRequestBody().readNBytes(8192), StandardCharsets.US_ASCII));
        String password = form.getOrDefault("password", "");
        String address = ex.getRemoteAddress().getAddress().getHostAddress();
        Sessions.SignIn result = sessions.signIn(form.get("user"), password.toCharArray(), address);
        if (result.principal() == null) {
            LOG.info("console: sign-in refused for '{}' from {} ({})", form.get("user"), address, result.refused());
            redirect(ex, result.refused() == Sessions.Refused.THROTTLED ? "/login?throttled" : "/login?failed");
            return;
        }
        Principal p = result.principal();
        LOG.info("console: {} signed in from {}", p.name(), address);
        ex.getResponseHeaders()
                .add("Set-Cookie", Sessions.COOKIE + "=" + p.sessionId() + "; Path=/; HttpOnly; SameSite=Strict");
        redirect(ex, "/");
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> params = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            String[] kv = pair.split("=", 2);
            params.put(
                    URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                    kv.length == 2 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
        }
        return params;
    }

    private static void asset(HttpExchange ex, String name, String type) throws IOException {
        try (InputStream in = Console.class.getClassLoader().getResourceAsStream(WEB + name)) {
            if (in == null) {
                json(ex, 404, error("there is no " + name));
                return;
            }
            send(ex, 200, type, in.readAllBytes());
        }
    }

    private static void redirect(HttpExchange ex, String to) throws IOException {
        ex.getResponseHeaders().set("Location", to);
        ex.sendResponseHeaders(303, -1);
    }

    private static Map<String, Object> error(String message) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("error", message);
        return json;
    }

    private static void json(HttpExchange ex, int status, Object body) throws IOException {
        send(ex, status, "application/json", Rows.JSON.writeValueAsBytes(body));
    }

    private static void send(HttpExchange ex, int status, String type, byte[] bytes) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
