package dev.ledgerbox.outbox.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.ledgerbox.outbox.Correlation;
import dev.ledgerbox.outbox.InvalidEventException;
import dev.ledgerbox.outbox.NoTransactionException;
import jakarta.annotation.Resource;
import jakarta.ejb.EJB;
import jakarta.ejb.EJBException;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.container.annotation.ArquillianTest;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The outbox in a real Open Liberty, with Hibernate as the JPA provider and PostgreSQL: the event
 * commits and rolls back with the business row, for EJBs and for {@code @Transactional} CDI
 * beans. Runs inside the server.
 */
@ArquillianTest
class OutboxInContainerIT {

    @Deployment
    static WebArchive deployment() {
        return Deployments.outboxApp("outbox-in-container", OutboxInContainerIT.class);
    }

    @EJB
    PurchaseService ejb;

    @Inject
    CdiPurchases cdi;

    @Resource(lookup = "java:comp/DefaultDataSource")
    DataSource db;

    @Resource(lookup = "java:comp/DefaultManagedExecutorService")
    ManagedExecutorService executor;

    Rows rows;

    @BeforeEach
    void clear() throws Exception {
        rows = new Rows(db);
        rows.clear();
    }

    // --- EJB, container-managed transactions ---

    @Test
    void ejbCommitWritesTheBusinessRowAndTheEvent() throws Exception {
        Purchase placed = ejb.place("A-1");

        assertThat(rows.purchases()).hasSize(1);
        List<Map<String, Object>> events = rows.events();
        assertThat(events).hasSize(1);
        Map<String, Object> event = events.get(0);
        assertThat(event)
                .containsEntry("type", "purchase.placed")
                .containsEntry("aggregatetype", "purchase")
                .containsEntry("aggregateid", placed.getId().toString())
                .containsEntry("aggregate_seq", "1")
                .containsEntry("payload", "{\"id\": " + placed.getId() + ", \"sku\": \"A-1\", \"status\": \"NEW\"}");
        assertThat((String) event.get("correlation_id")).isNotBlank();
    }

    @Test
    void ejbSystemExceptionRollsBackBoth() throws Exception {
        assertThatThrownBy(() -> ejb.placeThenCrash("B-1")).isInstanceOf(EJBException.class);

        assertThat(rows.purchases()).isEmpty();
        assertThat(rows.events()).isEmpty();
    }

    @Test
    void ejbApplicationExceptionWithoutRollbackKeepsBoth() throws Exception {
        assertThatThrownBy(() -> ejb.placeDeclined(new Purchase("C-1"))).isInstanceOf(PaymentDeclined.class);

        assertThat(rows.purchases()).hasSize(1);
        assertThat(rows.events()).singleElement().satisfies(e -> assertThat(e)
                .containsEntry("type", "purchase.declined")
                .containsEntry("aggregateid", rows.purchases().get(0).get("id")));
    }

    @Test
    void ejbExceptionThatWouldCommitWithoutAPayloadRollsBackInstead() throws Exception {
        assertThatThrownBy(() -> ejb.placeReturningThenDecline("C-2")).isInstanceOf(PaymentDeclined.class);

        assertThat(rows.purchases()).as("no business change without its event").isEmpty();
        assertThat(rows.events()).isEmpty();
    }

    @Test
    void requiresNewCallsCommitTheirOwnEvents() throws Exception {
        ejb.placeWithNote("D-1", false);
        assertThat(rows.events()).extracting(e -> e.get("type")).containsExactly("purchase.noted", "purchase.placed");

        rows.clear();
        assertThatThrownBy(() -> ejb.placeWithNote("D-2", true)).isInstanceOf(EJBException.class);
        assertThat(rows.purchases()).isEmpty();
        assertThat(rows.events())
                .as("the inner transaction committed, the outer one rolled back")
                .extracting(e -> e.get("type"))
                .containsExactly("purchase.noted");
    }

    @Test
    void eventsOfOneRequestShareItsCorrelationId() throws Exception {
        // this test runs inside an HTTP request, which the correlation filter gave an id
        String requestId = Correlation.current().orElseThrow();
        ejb.placeWithNote("E-1", false);
        assertThat(rows.events()).extracting(e -> e.get("correlation_id")).containsOnly(requestId);

        rows.clear();
        try (Correlation.Scope scope = Correlation.open("nightly-import-7")) {
            ejb.placeWithNote("E-2", false);
        }
        assertThat(rows.events()).extracting(e -> e.get("correlation_id")).containsOnly("nightly-import-7");
    }

    @Test
    void withoutARequestEachTransactionGetsItsOwnCorrelationId() throws Exception {
        executor.submit(() -> ejb.placeWithNote("E-3", false)).get(30, TimeUnit.SECONDS);

        List<Map<String, Object>> events = rows.events();
        assertThat(events).hasSize(2);
        assertThat(events.get(0).get("correlation_id"))
                .isNotNull()
                .as("REQUIRES_NEW is another transaction")
                .isNotEqualTo(events.get(1).get("correlation_id"));
    }

    @Test
    void blankAggregateIdIsRefusedAndRollsBackTheBusinessChange() throws Exception {
        Throwable thrown = catchThrowable(() -> ejb.placeWithAggregateId(" ", "F-1"));

        assertThat(rootOf(thrown, InvalidEventException.class))
                .hasMessage("PurchaseService.placeWithAggregateId(String, String): outbox event 'purchase.placed'"
                        + " has a blank aggregate id");
        assertThat(rows.purchases()).isEmpty();
        assertThat(rows.events()).isEmpty();
    }

    @Test
    void payloadOverTheLimitIsRefusedAndRollsBackTheBusinessChange() throws Exception {
        ejb.placeHuge("G-1", 100);
        rows.clear();

        Throwable thrown = catchThrowable(() -> ejb.placeHuge("G-2", 5000));

        assertThat(rootOf(thrown, InvalidEventException.class))
                .hasMessage("PurchaseService.placeHuge(String, int): outbox event 'purchase.bulk' has a payload of"
                        + " 5018 bytes, over the limit of 4096 bytes (outbox.max-payload-bytes)");
        assertThat(rows.purchases()).isEmpty();
        assertThat(rows.events()).isEmpty();
    }

    @Test
    void unserialisablePayloadIsRefusedAndRollsBackTheBusinessChange() throws Exception {
        Throwable thrown = catchThrowable(() -> ejb.placeUnserialisable("H-1"));

        assertThat(rootOf(thrown, InvalidEventException.class))
                .hasMessageStartingWith("PurchaseService.placeUnserialisable(String): outbox event 'purchase.odd' has a"
                        + " payload of " + Payloads.Unserialisable.class.getName()
                        + " that cannot be serialised to JSON");
        assertThat(rows.purchases()).isEmpty();
    }

    @Test
    void aRefusedEventMarksTheTransactionRollbackOnlyEvenIfTheCallerCarriesOn() throws Exception {
        catchThrowable(() -> ejb.placeSwallowingARefusedEvent("J-1"));

        assertThat(rows.purchases()).isEmpty();
        assertThat(rows.events()).isEmpty();
    }

    // --- CDI, @Transactional ---

    @Test
    void cdiCommitWritesTheBusinessRowAndTheEvent() throws Exception {
        Purchase placed = cdi.place("K-1");

        assertThat(rows.purchases()).hasSize(1);
        assertThat(rows.events()).singleElement().satisfies(e -> assertThat(e)
                .containsEntry("type", "purchase.placed")
                .containsEntry("aggregateid", placed.getId().toString()));
    }

    @Test
    void cdiRuntimeExceptionRollsBackBoth() throws Exception {
        assertThatThrownBy(() -> cdi.placeThenCrash("K-2")).isInstanceOf(IllegalStateException.class);

        assertThat(rows.purchases()).isEmpty();
        assertThat(rows.events()).isEmpty();
    }

    @Test
    void cdiCheckedExceptionKeepsBoth() throws Exception {
        assertThatThrownBy(() -> cdi.placeDeclined(new Purchase("K-3"))).isInstanceOf(PaymentDeclined.class);

        assertThat(rows.purchases()).hasSize(1);
        assertThat(rows.events()).extracting(e -> e.get("type")).containsExactly("purchase.declined");
    }

    @Test
    void cdiWithoutATransactionTheEventIsRefusedLoudly() throws Exception {
        assertThatThrownBy(() -> cdi.previewWithoutTransaction("K-4"))
                .isInstanceOf(NoTransactionException.class)
                .hasMessageStartingWith("CdiPurchases.previewWithoutTransaction(String): outbox event"
                        + " 'purchase.previewed' needs an active JTA transaction (status: no transaction)");
        assertThatThrownBy(() -> cdi.emitWithoutTransaction())
                .isInstanceOf(NoTransactionException.class)
                .hasMessageStartingWith("CdiPurchases.emitWithoutTransaction");

        assertThat(rows.events()).isEmpty();
    }

    private static <T extends Throwable> T rootOf(Throwable thrown, Class<T> type) {
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " in the causes of " + thrown, thrown);
    }
}
