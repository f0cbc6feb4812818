package dev.ledgerbox.outbox.internal.cdi;

import dev.ledgerbox.outbox.ConfigurationException;
import dev.ledgerbox.outbox.Outboxed;
import dev.ledgerbox.outbox.internal.OutboxSettings;
import dev.ledgerbox.outbox.internal.OutboxedMethod;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.AfterDeploymentValidation;
import jakarta.enterprise.inject.spi.AnnotatedMethod;
import jakarta.enterprise.inject.spi.Extension;
import jakarta.enterprise.inject.spi.ProcessAnnotatedType;
import jakarta.enterprise.inject.spi.WithAnnotations;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Fails the deployment, with messages naming the method or key, when an {@link Outboxed} method
 * cannot work or the {@code outbox.*} configuration is invalid, instead of failing on the first
 * call.
 */
public class OutboxExtension implements Extension {

    private final List<Throwable> problems = new ArrayList<>();

    <T> void checkOutboxedMethods(@Observes @WithAnnotations(Outboxed.class) ProcessAnnotatedType<T> type) {
        for (AnnotatedMethod<? super T> method : type.getAnnotatedType().getMethods()) {
            if (method.isAnnotationPresent(Outboxed.class)) {
                try {
                    OutboxedMethod.of(method.getJavaMember());
                } catch (ConfigurationException e) {
                    problems.add(e);
                }
            }
        }
    }

    void checkConfiguration(@Observes AfterDeploymentValidation validation) {
        try {
            var config = ConfigProvider.getConfig();
            OutboxSettings.from(
                    key -> config.getOptionalValue(key, String.class).orElse(null));
        } catch (ConfigurationException e) {
            problems.add(e);
        }
        problems.forEach(validation::addDeploymentProblem);
    }
}
