package dev.ledgerbox.audit;

import dev.ledgerbox.outbox.spi.TrustedProxies;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Opens an {@link AuditContext} for each HTTP request: the authenticated principal, the client's
 * address and its {@code User-Agent}.
 *
 * <p>The client address is the peer's, unless the peer is one of the proxies listed in {@code
 * audit.trusted-proxies} (addresses and CIDR blocks, comma-separated; none by default);
 * then it is the right-most address of {@code X-Forwarded-For} that is not a trusted proxy. A
 * header from anyone else is ignored, so clients cannot choose the address the log records.
 */
@WebFilter(filterName = "ledgerbox-audit-context", urlPatterns = "/*", asyncSupported = true)
public class AuditRequestFilter extends HttpFilter {
    private static final long serialVersionUID = 1L;

    public static final String TRUSTED_PROXIES = "audit.trusted-proxies";
    static final int MAX_USER_AGENT = 512;

    private transient TrustedProxies proxies = TrustedProxies.NONE;

    @Override
    public void init(FilterConfig config) throws ServletException {
        super.init(config);
        String list = ConfigProvider.getConfig()
                .getOptionalValue(TRUSTED_PROXIES, String.class)
                .orElse(null);
        proxies = TrustedProxies.parse(list, TRUSTED_PROXIES);
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String agent = request.getHeader("User-Agent");
        if (agent != null && agent.length() > MAX_USER_AGENT) {
            agent = agent.substring(0, MAX_USER_AGENT);
        }
        String client = proxies.clientAddress(request.getRemoteAddr(), request.getHeader("X-Forwarded-For"));
        AuditContext context =
                AuditContext.current().withPrincipal(request.getUserPrincipal()).withClient(client, agent);
        try (AuditContext.Scope scope = context.open()) {
            chain.doFilter(request, response);
        }
    }
}
