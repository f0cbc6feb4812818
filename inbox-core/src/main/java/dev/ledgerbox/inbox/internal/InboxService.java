package dev.ledgerbox.inbox.internal;

import dev.ledgerbox.inbox.Admission;
import dev.ledgerbox.inbox.InboundHandler;
import dev.ledgerbox.inbox.InboundRequest;
import dev.ledgerbox.inbox.Inbox;
import dev.ledgerbox.inbox.InboxException;
import dev.ledgerbox.inbox.InboxHandler;
import dev.ledgerbox.inbox.InboxSettings;
import dev.ledgerbox.inbox.InboxSource;
import dev.ledgerbox.inbox.Reception;
import dev.ledgerbox.outbox.spi.Jndi;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.lang.annotation.Annotation;
import java.time.Duration;
import java.util.concurrent.Executor;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.ConfigProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application's inbox, built from its configuration when the application starts: sources from
 * {@code inbox.*} keys, handlers from {@link InboundHandler} beans, the background processing on
 * the container's managed executor. Captures and their outcomes are written outside any business
 * transaction ({@code NOT_SUPPORTED}): each commits on its own, whatever the caller's does.
 */
@ApplicationScoped
public class InboxService {

    private static final Logger LOG = LoggerFactory.getLogger(InboxService.class);

    @Inject
    @Any
    Instance<InboxHandler> handlers;

    private volatile Inbox inbox;

    void start(@Observes @Initialized(ApplicationScoped.class) Object event) {
        inbox();
    }

    /** The inbox, built (and its background processing started) at start-up, or on first use. */
    public Inbox inbox() {
        Inbox built = inbox;
        return built != null ? built : build();
    }

    private synchronized Inbox build() {
        if (inbox == null) {
            var config = ConfigProvider.getConfig();
            InboxSettings settings = InboxSettings.from(
                    key -> config.getOptionalValue(key, String.class).orElse(null));
            DataSource dataSource;
            try {
                dataSource = Jndi.dataSource("inbox.datasource", settings.dataSource());
            } catch (IllegalStateException e) {
                throw new InboxException(e.getMessage(), e.getCause());
            }
            Inbox.Builder builder = Inbox.builder(dataSource)
                    .lease(settings.lease())
                    .trustedProxies(settings.trustedProxies())
                    .retention(settings.retention().isZero() ? null : settings.retention())
                    .outcomeLinger(settings.outcomeLinger())
                    .executor(Jndi.<Executor>optional("java:comp/DefaultManagedExecutorService"));
            for (InboxSource source : settings.sources()) {
                builder.source(source);
            }
            for (Instance.Handle<InboxHandler> handle : handlers.handles()) {
                for (Annotation q : handle.getBean().getQualifiers()) {
                    if (q instanceof InboundHandler named) {
                        builder.handler(named.value(), handle.get());
                    }
                }
            }
            inbox = builder.build().start();
            LOG.info("inbox: sources {}", settings.sources());
        }
        return inbox;
    }

    @Transactional(Transactional.TxType.NOT_SUPPORTED)
    public Admission admit(InboundRequest request) {
        return inbox().admit(request);
    }

    @Transactional(Transactional.TxType.NOT_SUPPORTED)
    public Reception complete(Admission admission, int status, String body, Throwable error, Duration took) {
        return inbox().complete(admission, status, body, error, took);
    }

    @PreDestroy
    void stop() {
        if (inbox != null) {
            try {
                inbox.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
