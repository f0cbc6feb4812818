package dev.ledgerbox.outbound;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A {@code java.net.http.HttpClient} whose every request is recorded by an {@link OutboundCapture}:
 * a request record before it goes out, a response record when it returns or an error record when
 * none did. Everything else is the wrapped client's.
 *
 * <pre>{@code
 * HttpClient http = new CapturingHttpClient(HttpClient.newHttpClient(), capture, "payments");
 * }</pre>
 *
 * <p>A request body is recorded when its length is known (strings, byte arrays, files); a streamed
 * body of unknown length is sent but not read twice. A response body is recorded as far as the
 * body handler had read it when {@code send} returned (all of it for strings and byte arrays). A
 * client that follows redirects sends several requests for one {@code send}: they are one attempt
 * here. Thread-safe, as the wrapped client.
 */
public final class CapturingHttpClient extends HttpClient {

    /** Largest request body read for the record; larger ones are sent but not recorded. */
    static final int BODY_READ_MAX = 1024 * 1024;

    private final HttpClient delegate;
    private final OutboundCapture capture;
    private final String destination;

    /**
     * @param destination the destination of attempts made outside an open {@link OutboundCall};
     *     {@code null} for the URL's host
     */
    public CapturingHttpClient(HttpClient delegate, OutboundCapture capture, String destination) {
        this.delegate = delegate;
        this.capture = capture;
        this.destination = destination;
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        OutboundAttempt attempt = capture.begin(describe(request), destination);
        Tee tee = new Tee();
        HttpResponse<T> response;
        try {
            response = delegate.send(withHeaders(request, attempt), tee.handler(handler));
        } catch (IOException | InterruptedException | RuntimeException e) {
            attempt.failed(e);
            throw e;
        }
        attempt.responded(response.statusCode(), response.headers().map(), tee.bytes(), tee.complete());
        return response;
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        return sendAsync(request, handler, null);
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(
            HttpRequest request,
            HttpResponse.BodyHandler<T> handler,
            HttpResponse.PushPromiseHandler<T> pushPromiseHandler) {
        OutboundAttempt attempt = capture.begin(describe(request), destination);
        Tee tee = new Tee();
        return delegate.sendAsync(withHeaders(request, attempt), tee.handler(handler), pushPromiseHandler)
                .whenComplete((response, error) -> {
                    if (error != null) {
                        attempt.failed(error);
                    } else {
                        attempt.responded(
                                response.statusCode(), response.headers().map(), tee.bytes(), tee.complete());
                    }
                });
    }

    private static HttpRequest withHeaders(HttpRequest request, OutboundAttempt attempt) {
        if (attempt.headers().isEmpty()) {
            return request;
        }
        HttpRequest.Builder copy = HttpRequest.newBuilder(request.uri())
                .method(request.method(), request.bodyPublisher().orElse(HttpRequest.BodyPublishers.noBody()))
                .expectContinue(request.expectContinue());
        request.timeout().ifPresent(copy::timeout);
        request.version().ifPresent(copy::version);
        request.headers().map().forEach((name, values) -> values.forEach(v -> copy.header(name, v)));
        attempt.headers().forEach(copy::header);
        return copy.build();
    }

    private static OutboundRequest describe(HttpRequest request) {
        Map<String, String> headers = new LinkedHashMap<>();
        request.headers().map().forEach((name, values) -> headers.put(name, String.join(", ", values)));
        byte[] body = request.bodyPublisher().map(CapturingHttpClient::read).orElse(null);
        return new OutboundRequest(request.method(), request.uri(), headers, body, "http-client");
    }

    /** The publisher's bytes when its length is known and small enough; {@code null} otherwise. */
    private static byte[] read(HttpRequest.BodyPublisher publisher) {
        long length = publisher.contentLength();
        if (length < 0 || length > BODY_READ_MAX) {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) length);
        CompletableFuture<byte[]> done = new CompletableFuture<>();
        publisher.subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(ByteBuffer item) {
                byte[] chunk = new byte[item.remaining()];
                item.get(chunk);
                out.write(chunk, 0, chunk.length);
            }

            @Override
            public void onError(Throwable throwable) {
                done.completeExceptionally(throwable);
            }

            @Override
            public void onComplete() {
                done.complete(out.toByteArray());
            }
        });
        try {
            return done.get(1, TimeUnit.SECONDS);
        } catch (Exception e) {
            return null;
        }
    }

    /** Copies the bytes a body subscriber receives, up to a limit, on their way to it. */
    private static final class Tee {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private volatile boolean complete;

        Tee() {}

        <T> HttpResponse.BodyHandler<T> handler(HttpResponse.BodyHandler<T> handler) {
            return info -> new Subscriber<>(handler.apply(info));
        }

        synchronized byte[] bytes() {
            return bytes.toByteArray();
        }

        boolean complete() {
            return complete;
        }

        private final class Subscriber<T> implements HttpResponse.BodySubscriber<T> {
            private final HttpResponse.BodySubscriber<T> inner;

            Subscriber(HttpResponse.BodySubscriber<T> inner) {
                this.inner = inner;
            }

            @Override
            public CompletionStage<T> getBody() {
                return inner.getBody();
            }

            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                inner.onSubscribe(subscription);
            }

            @Override
            public void onNext(List<ByteBuffer> items) {
                synchronized (Tee.this) {
                    for (ByteBuffer item : items) {
                        ByteBuffer copy = item.duplicate();
                        int n = Math.min(copy.remaining(), BODY_READ_MAX - bytes.size());
                        if (n > 0) {
                            byte[] chunk = new byte[n];
                            copy.get(chunk);
                            bytes.write(chunk, 0, n);
                        }
                    }
                }
                inner.onNext(items);
            }

            @Override
            public void onError(Throwable throwable) {
                inner.onError(throwable);
            }

            @Override
            public void onComplete() {
                complete = true;
                inner.onComplete();
            }
        }
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
        return delegate.cookieHandler();
    }

    @Override
    public Optional<Duration> connectTimeout() {
        return delegate.connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
        return delegate.followRedirects();
    }

    @Override
    public Optional<ProxySelector> proxy() {
        return delegate.proxy();
    }

    @Override
    public SSLContext sslContext() {
        return delegate.sslContext();
    }

    @Override
    public SSLParameters sslParameters() {
        return delegate.sslParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
        return delegate.authenticator();
    }

    @Override
    public Version version() {
        return delegate.version();
    }

    @Override
    public Optional<Executor> executor() {
        return delegate.executor();
    }

    @Override
    public WebSocket.Builder newWebSocketBuilder() {
        return delegate.newWebSocketBuilder();
    }
}
