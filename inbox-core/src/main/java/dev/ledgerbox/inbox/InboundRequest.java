package dev.ledgerbox.inbox;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One request as it arrived, before anything is done with it: the source it is for, its headers,
 * its body as a stream (read once by the inbox, exactly), the peer's address and the code that
 * received it. Build one per request.
 */
public final class InboundRequest {

    final String source;
    final Map<String, String> headers;
    final InputStream body;
    final String remoteAddress;
    final String origin;
    final String key;

    private InboundRequest(Builder b) {
        this.source = b.source;
        this.headers = Map.copyOf(b.headers);
        this.body = b.body;
        this.remoteAddress = b.remoteAddress;
        this.origin = b.origin;
        this.key = b.key;
    }

    public static Builder builder(String source) {
        return new Builder(source);
    }

    /** Builds a request. */
    public static final class Builder {
        private final String source;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private InputStream body = InputStream.nullInputStream();
        private String remoteAddress;
        private String origin;
        private String key;

        private Builder(String source) {
            this.source = source;
        }

        /** A header; several values of one name are joined by {@code ", "}, names kept in lower case. */
        public Builder header(String name, String value) {
            headers.merge(name.toLowerCase(Locale.ROOT), value, (a, b) -> a + ", " + b);
            return this;
        }

        public Builder headers(Map<String, List<String>> all) {
            all.forEach((name, values) -> values.forEach(v -> header(name, v)));
            return this;
        }

        public Builder body(byte[] bytes) {
            this.body = new ByteArrayInputStream(bytes);
            return this;
        }

        /** The body as a stream, read to its end by the inbox (past the size limit only to count and hash it). */
        public Builder body(InputStream stream) {
            this.body = stream;
            return this;
        }

        /** The TCP peer's address; the client address comes from it and trusted proxies' X-Forwarded-For. */
        public Builder remoteAddress(String remoteAddress) {
            this.remoteAddress = remoteAddress;
            return this;
        }

        /** The code that received the request, e.g. {@code PaymentsResource.paymentSucceeded}. */
        public Builder origin(String origin) {
            this.origin = origin;
            return this;
        }

        /**
         * The idempotency key given by the caller (a consumer that knows the message id), instead of
         * the source's key rule.
         */
        public Builder key(String key) {
            this.key = key;
            return this;
        }

        public InboundRequest build() {
            return new InboundRequest(this);
        }
    }
}
