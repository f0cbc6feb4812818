package dev.ledgerbox.audit;

import java.security.Principal;

/**
 * Who, from where and why, for the changes made on this thread: stored with every audit row.
 *
 * <p>In a web request {@link AuditRequestFilter} fills it (principal, client IP, user agent) and
 * {@link AuditAction} adds the business action. Batch jobs and tests set it themselves:
 *
 * <pre>{@code
 * try (var scope = AuditContext.current().withActor(AuditActor.of("nightly-import"))
 *         .withAction("catalog.imported").open()) {
 *     importer.run();
 * }
 * }</pre>
 *
 * Every field may be null; nothing breaks without a context. Immutable.
 *
 * @param actor who acted; when null, the {@link AuditActorProvider} or the principal's name
 * @param principal the authenticated caller of the request, for {@link AuditActorProvider}
 * @param action the business action, such as {@code member.role_changed}
 * @param reason why, in words, when the caller gives one
 * @param clientIp the client's address (proxies resolved), as text
 * @param userAgent the client's {@code User-Agent}
 */
public record AuditContext(
        AuditActor actor, Principal principal, String action, String reason, String clientIp, String userAgent) {

    public static final AuditContext EMPTY = new AuditContext(null, null, null, null, null, null);

    private static final ThreadLocal<AuditContext> CURRENT = new ThreadLocal<>();

    /** The context of this thread, {@link #EMPTY} when none is open. */
    public static AuditContext current() {
        AuditContext context = CURRENT.get();
        return context == null ? EMPTY : context;
    }

    public AuditContext withActor(AuditActor actor) {
        return new AuditContext(actor, principal, action, reason, clientIp, userAgent);
    }

    public AuditContext withPrincipal(Principal principal) {
        return new AuditContext(actor, principal, action, reason, clientIp, userAgent);
    }

    public AuditContext withAction(String action) {
        return new AuditContext(actor, principal, action, reason, clientIp, userAgent);
    }

    public AuditContext withReason(String reason) {
        return new AuditContext(actor, principal, action, reason, clientIp, userAgent);
    }

    public AuditContext withClient(String clientIp, String userAgent) {
        return new AuditContext(actor, principal, action, reason, clientIp, userAgent);
    }

    /** Makes this the context of the current thread until the scope is closed. */
    public Scope open() {
        AuditContext previous = CURRENT.get();
        CURRENT.set(this);
        return () -> {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        };
    }

    /** Restores the previous context when closed. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
