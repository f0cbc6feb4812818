package dev.ledgerbox.outbound.internal;

import dev.ledgerbox.outbound.Outbound;
import dev.ledgerbox.outbound.OutboundClientFilter;
import jakarta.enterprise.inject.spi.CDI;
import java.lang.reflect.Method;
import org.eclipse.microprofile.rest.client.RestClientBuilder;
import org.eclipse.microprofile.rest.client.spi.RestClientListener;

/**
 * Registers {@link OutboundClientFilter} on every MicroProfile Rest Client whose interface (or one
 * of its methods) carries {@link Outbound}: the annotation is all an application writes.
 */
public class OutboundRestClientListener implements RestClientListener {

    @Override
    public void onNewClient(Class<?> serviceInterface, RestClientBuilder builder) {
        if (!captured(serviceInterface)) {
            return;
        }
        OutboundService service = CDI.current().select(OutboundService.class).get();
        Outbound outbound = serviceInterface.getAnnotation(Outbound.class);
        builder.register(new OutboundClientFilter(
                service.capture(), outbound == null || outbound.value().isEmpty() ? null : outbound.value()));
    }

    private static boolean captured(Class<?> type) {
        if (type.isAnnotationPresent(Outbound.class)) {
            return true;
        }
        for (Method m : type.getMethods()) {
            if (m.isAnnotationPresent(Outbound.class)) {
                return true;
            }
        }
        return false;
    }
}
