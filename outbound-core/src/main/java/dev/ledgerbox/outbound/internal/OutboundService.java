package dev.ledgerbox.outbound.internal;

import dev.ledgerbox.outbound.OutboundCapture;
import dev.ledgerbox.outbound.OutboundDestination;
import dev.ledgerbox.outbound.OutboundSettings;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Produces;
import java.util.concurrent.ThreadFactory;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.ConfigProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application's outbound capture, built on first use from its {@code outbound.*}
 * configuration, its writer on a thread of the container's managed thread factory; stopped (rows
 * still queued written) when the application stops.
 */
@ApplicationScoped
public class OutboundService {

    private static final Logger LOG = LoggerFactory.getLogger(OutboundService.class);

    private volatile OutboundCapture capture;

    /** The capture, for injection and for {@code OutboundClientFilter}'s container constructor. */
    @Produces
    @Dependent
    public OutboundCapture capture() {
        OutboundCapture built = capture;
        return built != null ? built : build();
    }

    private synchronized OutboundCapture build() {
        if (capture == null) {
            var config = ConfigProvider.getConfig();
            OutboundSettings settings = OutboundSettings.from(
                    key -> config.getOptionalValue(key, String.class).orElse(null));
            DataSource dataSource;
            try {
                dataSource = InitialContext.doLookup(settings.dataSource());
            } catch (NamingException e) {
                throw new IllegalStateException(
                        "outbound.datasource names '" + settings.dataSource() + "', which is not a data source here: "
                                + e.getMessage(),
                        e);
            }
            OutboundCapture.Builder builder = OutboundCapture.builder(dataSource)
                    .bodyMax(settings.bodyMax())
                    .queueCapacity(settings.queueCapacity())
                    .threadFactory(managedThreads());
            for (OutboundDestination d : settings.destinations()) {
                builder.destination(d);
            }
            capture = builder.build();
            LOG.info("outbound capture: destinations {}", settings.destinations());
        }
        return capture;
    }

    private static ThreadFactory managedThreads() {
        try {
            return InitialContext.doLookup("java:comp/DefaultManagedThreadFactory");
        } catch (NamingException e) {
            return Thread::new; // no Jakarta Concurrency here
        }
    }

    @PreDestroy
    void stop() {
        if (capture != null) {
            try {
                capture.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
