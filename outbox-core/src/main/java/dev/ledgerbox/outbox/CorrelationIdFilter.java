package dev.ledgerbox.outbox;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Takes the correlation id of each HTTP request from {@code X-Request-Id} (or {@code
 * X-Correlation-Id}), or generates one, holds it in {@link Correlation} while the request runs,
 * and echoes it in the response's {@code X-Request-Id} header.
 *
 * <p>Registered for every URL of an application that has this jar in {@code WEB-INF/lib}. A
 * header value that is too long or has characters outside {@code [A-Za-z0-9._:@/+=-]} is
 * replaced by a generated id, so a caller cannot inject text into logs.
 */
@WebFilter(filterName = "ledgerbox-correlation-id", urlPatterns = "/*", asyncSupported = true)
public class CorrelationIdFilter extends HttpFilter {
    private static final long serialVersionUID = 1L;

    public static final String REQUEST_ID = "X-Request-Id";
    public static final String CORRELATION_ID = "X-Correlation-Id";

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String id = incomingId(request);
        response.setHeader(REQUEST_ID, id);
        try (Correlation.Scope scope = Correlation.open(id)) {
            chain.doFilter(request, response);
        }
    }

    private static String incomingId(HttpServletRequest request) {
        String id = request.getHeader(REQUEST_ID);
        if (!Correlation.isAcceptable(id)) {
            id = request.getHeader(CORRELATION_ID);
        }
        return Correlation.isAcceptable(id) ? id : Correlation.newId();
    }
}
