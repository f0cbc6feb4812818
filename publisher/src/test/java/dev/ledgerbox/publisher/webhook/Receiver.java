package dev.ledgerbox.publisher.webhook;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A real HTTP server on loopback that receives webhooks: it keeps every request (headers and
 * body bytes) and answers with the scripted responses, in order, then with the default one.
 */
final class Receiver implements AutoCloseable {

    /** A received request. */
    record Received(String path, HttpHeaders headers, byte[] body) {
        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    /** How to answer one request. */
    record Reply(int status, Map<String, String> headers, String body, Duration delay, Duration trickle) {
        static Reply status(int status) {
            return new Reply(status, Map.of(), "", Duration.ZERO, Duration.ZERO);
        }

        Reply withHeader(String name, String value) {
            Map<String, String> h = new java.util.HashMap<>(headers);
            h.put(name, value);
            return new Reply(status, Map.copyOf(h), body, delay, trickle);
        }

        Reply withBody(String text) {
            return new Reply(status, headers, text, delay, trickle);
        }

        /** Waits this long before answering. */
        Reply after(Duration wait) {
            return new Reply(status, headers, body, wait, trickle);
        }

        /** Sends the headers at once, then the body a byte at a time over this long. */
        Reply trickled(Duration over) {
            return new Reply(status, headers, body, delay, over);
        }
    }

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<Reply> script = new ConcurrentLinkedQueue<>();
    private volatile Function<Received, Reply> fallback = r -> Reply.status(200);

    Receiver() throws IOException {
        System.setProperty("sun.net.httpserver.nodelay", "true"); // no Nagle: answers are not held back
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 100);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "receiver");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    Receiver then(Reply... replies) {
        script.addAll(List.of(replies));
        return this;
    }

    Receiver otherwise(Function<Received, Reply> reply) {
        this.fallback = reply;
        return this;
    }

    List<Received> received() {
        return new ArrayList<>(received);
    }

    List<Received> received(String path) {
        return received.stream().filter(r -> r.path().equals(path)).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        Received r = new Received(
                exchange.getRequestURI().getPath(), HttpHeaders.of(exchange.getRequestHeaders(), (a, b) -> true), body);
        received.add(r);
        Reply reply = script.poll();
        if (reply == null) {
            reply = fallback.apply(r);
        }
        try {
            Thread.sleep(reply.delay().toMillis());
            reply.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            byte[] out = reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(reply.status(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                try (OutputStream os = exchange.getResponseBody()) {
                    if (reply.trickle().isZero()) {
                        os.write(out);
                    } else {
                        long pause = Math.max(1, reply.trickle().toMillis() / out.length);
                        for (byte b : out) {
                            os.write(b);
                            os.flush();
                            Thread.sleep(pause);
                        }
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the publisher hung up (a timeout): nothing to answer
        } finally {
            exchange.close();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
