package dev.ledgerbox.inbox;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One sender of inbound messages and how its requests are taken: where the idempotency key is
 * read, how signatures are checked, how large a body may be, whether the body is JSON, and whether
 * messages are processed in the request or in the background. Immutable.
 */
public final class InboxSource {

    /** Processing in the request (the handler's answer is the sender's) or after it (202 at once). */
    public enum Mode {
        SYNC,
        ASYNC
    }

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,127}");

    private final String name;
    private final IdempotencyKey key;
    private final SignatureScheme signature;
    private final int maxBodyBytes;
    private final Mode mode;
    private final boolean json;
    private final Set<String> redactedHeaders;

    private InboxSource(Builder b) {
        this.name = b.name;
        this.key = b.key;
        this.signature = b.signature;
        this.maxBodyBytes = b.maxBodyBytes;
        this.mode = b.mode;
        this.json = b.json;
        this.redactedHeaders = Set.copyOf(b.redactedHeaders);
    }

    /**
     * A source named {@code name} (lower case letters, digits, {@code . _ -}), such as
     * {@code payments}; its key must be said.
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    public IdempotencyKey key() {
        return key;
    }

    /** The signature check, or null when the source signs nothing. */
    public SignatureScheme signature() {
        return signature;
    }

    public int maxBodyBytes() {
        return maxBodyBytes;
    }

    public Mode mode() {
        return mode;
    }

    /** Whether bodies must be JSON (a malformed one is refused with 400 and captured as INVALID). */
    public boolean json() {
        return json;
    }

    /** Headers stored as {@code [redacted]} besides credentials (lower case). */
    public Set<String> redactedHeaders() {
        return redactedHeaders;
    }

    @Override
    public String toString() {
        return "InboxSource[" + name + ", key " + key.origin() + ", " + mode
                + (signature == null ? "" : ", " + signature) + "]";
    }

    /** Builds a source; {@link #build()} checks it. */
    public static final class Builder {
        private final String name;
        private IdempotencyKey key;
        private SignatureScheme signature;
        private int maxBodyBytes = 1024 * 1024;
        private Mode mode = Mode.SYNC;
        private boolean json = true;
        private final Set<String> redactedHeaders = new LinkedHashSet<>();

        private Builder(String name) {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new InboxException("an inbox source name is 1 to 128 of [a-z0-9._-], starting with a letter or"
                        + " digit; got '" + name + "'");
            }
            this.name = name;
        }

        /** Where the sender's identifier of a delivery is read (required). */
        public Builder key(IdempotencyKey key) {
            this.key = key;
            return this;
        }

        /** How the sender signs; without one, requests are not checked. */
        public Builder signature(SignatureScheme signature) {
            this.signature = signature;
            return this;
        }

        /** Largest body taken (default 1 MiB); a larger one is answered 413 and captured truncated. */
        public Builder maxBodyBytes(int maxBodyBytes) {
            if (maxBodyBytes < 1) {
                throw new InboxException("source " + name + ": maxBodyBytes must be at least 1, got " + maxBodyBytes);
            }
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        public Builder mode(Mode mode) {
            this.mode = mode;
            return this;
        }

        /** Whether bodies must be JSON (default true). */
        public Builder json(boolean json) {
            this.json = json;
            return this;
        }

        /** Headers to store as {@code [redacted]} besides Authorization, Cookie and API keys. */
        public Builder redactHeaders(String... names) {
            for (String n : names) {
                redactedHeaders.add(n.toLowerCase(Locale.ROOT));
            }
            return this;
        }

        public InboxSource build() {
            if (key == null) {
                throw new InboxException("source " + name + " has no idempotency key: say where the sender's id of a"
                        + " delivery is, e.g. .key(IdempotencyKey.header(\"webhook-id\")) or"
                        + " .key(IdempotencyKey.jsonPointer(\"/id\"))");
            }
            if (key.needsBody() && !json) {
                throw new InboxException("source " + name + " reads its key from the body (" + key.origin()
                        + ") but its bodies are not JSON");
            }
            return new InboxSource(this);
        }
    }
}
