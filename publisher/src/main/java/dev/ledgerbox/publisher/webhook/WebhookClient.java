package dev.ledgerbox.publisher.webhook;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SystemDefaultDnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.routing.RoutingSupport;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * Sends webhook requests with Apache HttpClient's minimal client: pooled keep-alive connections, a connect
 * timeout, a response timeout and a deadline for the whole exchange (the request is aborted when
 * it passes, however slowly the body trickles in); no redirects, no automatic retries, no
 * cookies. Targets of endpoints that are not allowed private addresses go through a client whose
 * DNS resolver refuses them ({@link TargetGuard#resolver()}). Thread-safe.
 */
final class WebhookClient implements AutoCloseable {

    static final ContentType JSON = ContentType.create("application/json");

    /** How long a kept-alive connection may sit unused before it is closed. */
    private static final TimeValue IDLE = TimeValue.ofSeconds(30);

    /** What came back: a response, or the error that stood in its way. */
    record Response(
            int status,
            Map<String, String> headers,
            String body,
            boolean truncated,
            long durationMillis,
            Exception error) {

        boolean failedToConnect() {
            return error != null;
        }
    }

    private final CloseableHttpClient guarded;
    private final CloseableHttpClient open;
    private final ScheduledExecutorService deadlines;
    private final int bodyLimit;
    private final String userAgent;

    WebhookClient(Duration connectTimeout, int maxConnections, int bodyLimit, String userAgent) {
        PoolingHttpClientConnectionManager guardedConnections =
                connections(TargetGuard.resolver(), connectTimeout, maxConnections);
        PoolingHttpClientConnectionManager openConnections =
                connections(SystemDefaultDnsResolver.INSTANCE, connectTimeout, maxConnections);
        this.guarded = HttpClients.createMinimal(guardedConnections);
        this.open = HttpClients.createMinimal(openConnections);
        this.bodyLimit = bodyLimit;
        this.userAgent = userAgent;
        ScheduledThreadPoolExecutor deadlines = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "ledgerbox-webhook-deadlines");
            t.setDaemon(true);
            return t;
        });
        // a deadline is cancelled when its exchange ends, nearly always long before it is due; left
        // in the queue until then (the default), thousands a second of them held their requests,
        // bodies and all, for the whole timeout
        deadlines.setRemoveOnCancelPolicy(true);
        // the same thread closes the connections idle for 30 s, in both pools
        deadlines.scheduleWithFixedDelay(
                () -> {
                    guardedConnections.closeIdle(IDLE);
                    openConnections.closeIdle(IDLE);
                },
                IDLE.toSeconds(),
                IDLE.toSeconds(),
                TimeUnit.SECONDS);
        this.deadlines = deadlines;
    }

    /**
     * The pooled, kept-alive connections of one of the two clients, with the connect timeout and
     * the resolver. The clients are HttpClient's minimal ones: the connection manager and no exec
     * chain (the redirects, retries, cookies, authentication and content decoding this client does
     * without anyway; the chain cost about a fifth of a request's CPU on loopback).
     */
    private static PoolingHttpClientConnectionManager connections(
            DnsResolver resolver, Duration connectTimeout, int maxConnections) {
        return PoolingHttpClientConnectionManagerBuilder.create()
                .setDnsResolver(resolver)
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(connectTimeout))
                        .setTimeToLive(TimeValue.ofMinutes(5))
                        .build())
                .setMaxConnTotal(maxConnections)
                .setMaxConnPerRoute(maxConnections)
                .build();
    }

    /** POSTs the body; never throws for what the network or the receiver does. */
    Response post(URI url, Map<String, String> headers, byte[] body, Duration timeout, boolean allowPrivate) {
        long started = System.nanoTime();
        HttpPost post = new HttpPost(url);
        post.setConfig(RequestConfig.custom()
                .setResponseTimeout(Timeout.of(timeout))
                .setConnectionRequestTimeout(Timeout.of(timeout))
                .build());
        post.setHeader(HttpHeaders.USER_AGENT, userAgent);
        headers.forEach(post::setHeader);
        post.setEntity(new ByteArrayEntity(body, JSON));
        if (!allowPrivate && TargetGuard.literal(url.getHost())) {
            try {
                TargetGuard.check(url); // an IP literal is connected to as it is, without the resolver
            } catch (WebhookException e) {
                return new Response(
                        -1,
                        Map.of(),
                        null,
                        false,
                        millisSince(started),
                        new TargetGuard.RefusedTargetException(e.getMessage()));
            }
        }
        AtomicBoolean expired = new AtomicBoolean();
        ScheduledFuture<?> deadline = deadlines.schedule(
                () -> {
                    expired.set(true);
                    post.cancel();
                },
                timeout.toMillis(),
                TimeUnit.MILLISECONDS);
        try (ClassicHttpResponse response =
                (allowPrivate ? open : guarded).executeOpen(RoutingSupport.determineHost(post), post, null)) {
            Map<String, String> responseHeaders = new LinkedHashMap<>();
            for (Header h : response.getHeaders()) {
                responseHeaders.merge(
                        h.getName().toLowerCase(java.util.Locale.ROOT), h.getValue(), (a, b) -> a + ", " + b);
            }
            HttpEntity entity = response.getEntity();
            byte[] read = new byte[0];
            boolean truncated = false;
            if (entity != null) {
                // read to the end, the connection goes back to the pool; past the limit, closing
                // the response with the rest unread drops the connection instead of waiting
                InputStream in = entity.getContent();
                read = in.readNBytes(bodyLimit + 1);
                truncated = read.length > bodyLimit;
            }
            int length = Math.min(read.length, bodyLimit);
            return new Response(
                    response.getCode(),
                    responseHeaders,
                    new String(read, 0, length, StandardCharsets.UTF_8),
                    truncated,
                    millisSince(started),
                    null);
        } catch (IOException | HttpException | RuntimeException e) {
            // the socket's response timeout is the deadline too: whichever fires first, it is one
            Exception error = expired.get()
                            || (e instanceof java.io.InterruptedIOException
                                    && millisSince(started) >= timeout.toMillis())
                    ? new java.util.concurrent.TimeoutException(
                            "no complete response within " + timeout.toMillis() + " ms")
                    : e;
            return new Response(-1, Map.of(), null, false, millisSince(started), error);
        } finally {
            deadline.cancel(false);
        }
    }

    private static long millisSince(long started) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    }

    @Override
    public void close() throws IOException {
        deadlines.shutdownNow();
        guarded.close();
        open.close();
    }
}
