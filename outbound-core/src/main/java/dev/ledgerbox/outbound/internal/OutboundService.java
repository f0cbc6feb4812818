package dev.ledgerbox.outbound.internal;

import dev.ledgerbox.outbound.OutboundCapture;
import dev.ledgerbox.outbound.OutboundDestination;
import dev.ledgerbox.outbound.OutboundSettings;
import dev.ledgerbox.outbox.spi.Jndi;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Produces;
import java.util.concurrent.ThreadFactory;
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
            DataSource dataSource = Jndi.dataSource("outbound.datasource", settings.dataSource());
            ThreadFactory managed = Jndi.optional("java:comp/DefaultManagedThreadFactory");
            OutboundCapture.Builder builder = OutboundCapture.builder(dataSource)
                    .bodyMax(settings.bodyMax())
                    .queueCapacity(settings.queueCapacity())
                    .threadFactory(managed != null ? managed : Thread::new); // no Jakarta Concurrency: a plain thread
            for (OutboundDestination d : settings.destinations()) {
                builder.destination(d);
            }
            capture = builder.build();
            LOG.info("outbound capture: destinations {}", settings.destinations());
        }
        return capture;
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
