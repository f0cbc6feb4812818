package dev.ledgerbox.publisher.spi;

import java.io.EOFException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * What went wrong when a call got no response, as one stable code for SQL and dashboards: {@code
 * connect_timeout}, {@code timeout}, {@code connection_refused}, {@code connection_reset}, {@code
 * no_response} (the connection closed before a status line), {@code unknown_host}, {@code
 * unreachable}, {@code tls}, {@code interrupted}, {@code io_error} or {@code error}. Clients wrap
 * the cause (JAX-RS in a {@code ProcessingException}, others in their own), so the causes are
 * searched from the outside in.
 */
public final class NetworkErrors {

    private NetworkErrors() {}

    /** The code of the first cause that has one. */
    public static String code(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String code = own(t);
            if (code != null) {
                return code;
            }
        }
        return "error";
    }

    /** The innermost cause: what the network said, under the wrappers of the clients. */
    public static Throwable root(Throwable error) {
        Throwable t = error;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private static String own(Throwable t) {
        String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
        if (t instanceof HttpConnectTimeoutException) {
            return "connect_timeout";
        }
        if (t instanceof SocketTimeoutException && message.contains("connect")) {
            return "connect_timeout";
        }
        if (t instanceof HttpTimeoutException || t instanceof SocketTimeoutException) {
            return "timeout";
        }
        if (t instanceof ConnectException) {
            return message.contains("timed out") ? "connect_timeout" : "connection_refused";
        }
        if (t instanceof UnknownHostException) {
            return "unknown_host";
        }
        if (t instanceof NoRouteToHostException) {
            return "unreachable";
        }
        if (t instanceof SSLException) {
            return "tls";
        }
        if (t instanceof EOFException
                || message.contains("unexpected end of file")
                || message.contains("received no bytes")
                || message.contains("connection closed")
                || message.contains("closed before")
                || message.contains("failed to respond")) {
            return "no_response";
        }
        if (t instanceof SocketException && (message.contains("reset") || message.contains("broken pipe"))) {
            return "connection_reset";
        }
        if (t instanceof InterruptedIOException) {
            return "interrupted";
        }
        if (t instanceof java.io.IOException && t.getCause() == null) {
            return "io_error";
        }
        return null;
    }
}
