package dev.ledgerbox.outbox.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ledgerbox.outbox.AggregateId;
import dev.ledgerbox.outbox.ConfigurationException;
import dev.ledgerbox.outbox.EventPayload;
import dev.ledgerbox.outbox.InvalidEventException;
import dev.ledgerbox.outbox.OutboxEvent;
import dev.ledgerbox.outbox.Outboxed;
import java.lang.reflect.Method;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class OutboxedMethodTest {

    public record Customer(String number) {}

    public record Order(long id, Customer customer) {}

    public static class Invoice {
        @AggregateId
        private final String invoiceNo = "INV-7";

        public String getInvoiceNo() {
            return invoiceNo;
        }
    }

    public static class Shipment {
        private final String code = "S-1";

        @AggregateId
        public String getCode() {
            return code;
        }
    }

    @SuppressWarnings("unused")
    static class Shop {
        @Outboxed(type = "order.created", aggregate = "order")
        Order place(String sku) {
            return null;
        }

        @Outboxed(type = "order.viewed", aggregate = "order", ordered = false)
        Order view(String sku) {
            return null;
        }

        @Outboxed(type = "customer.ordered", aggregate = "customer", aggregateId = "customer.number")
        Order placeForCustomer(String sku) {
            return null;
        }

        @Outboxed(type = "order.paid", aggregate = "order")
        void pay(@AggregateId long orderId, @EventPayload Order order) {}

        @Outboxed(type = "invoice.issued", aggregate = "invoice")
        Invoice issue() {
            return null;
        }

        @Outboxed(type = "shipment.sent", aggregate = "shipment")
        Shipment ship() {
            return null;
        }

        @Outboxed(type = "order.noted", aggregate = "order")
        String note() {
            return null;
        }

        @Outboxed(type = "", aggregate = "order")
        Order noType() {
            return null;
        }

        @Outboxed(type = "order.x", aggregate = " ")
        Order noAggregate() {
            return null;
        }

        @Outboxed(type = "order.cancelled", aggregate = "order")
        void cancel(long id) {}

        @Outboxed(type = "order.merged", aggregate = "order")
        void merge(@EventPayload Order a, @EventPayload Order b) {}

        @Outboxed(type = "order.x", aggregate = "order", aggregateId = "id")
        void twice(@AggregateId long id, @EventPayload Order order) {}

        void plain() {}
    }

    static Method method(String name) {
        return Arrays.stream(Shop.class.getDeclaredMethods())
                .filter(m -> m.getName().equals(name))
                .findFirst()
                .orElseThrow();
    }

    static final Order ORDER = new Order(42, new Customer("C-9"));

    @Test
    void takesTheReturnValueAndItsIdPropertyByDefault() {
        OutboxedMethod m = OutboxedMethod.of(method("place"));
        OutboxEvent e = m.event(new Object[] {"sku"}, ORDER);
        assertThat(e.type()).isEqualTo("order.created");
        assertThat(e.aggregateType()).isEqualTo("order");
        assertThat(e.aggregateId()).isEqualTo("42");
        assertThat(e.payload()).isSameAs(ORDER);
        assertThat(m.payloadFromParameter()).isFalse();
        assertThat(m.description()).isEqualTo("Shop.place(String)");
        assertThat(e.ordered()).as("ordered unless the annotation says not").isTrue();
    }

    @Test
    void writesUnorderedWhenTheAnnotationSaysSo() {
        OutboxEvent e = OutboxedMethod.of(method("view")).event(new Object[] {"sku"}, ORDER);
        assertThat(e.ordered()).isFalse();
        assertThat(e.aggregateId()).isEqualTo("42");
    }

    @Test
    void followsAPropertyPath() {
        OutboxEvent e = OutboxedMethod.of(method("placeForCustomer")).event(new Object[] {"sku"}, ORDER);
        assertThat(e.aggregateId()).isEqualTo("C-9");
    }

    @Test
    void takesAnnotatedParameters() {
        OutboxedMethod m = OutboxedMethod.of(method("pay"));
        OutboxEvent e = m.event(new Object[] {7L, ORDER}, null);
        assertThat(e.aggregateId()).isEqualTo("7");
        assertThat(e.payload()).isSameAs(ORDER);
        assertThat(m.payloadFromParameter()).isTrue();
    }

    @Test
    void findsAnnotatedFieldsAndGettersOfThePayload() {
        assertThat(OutboxedMethod.of(method("issue"))
                        .event(new Object[0], new Invoice())
                        .aggregateId())
                .isEqualTo("INV-7");
        assertThat(OutboxedMethod.of(method("ship"))
                        .event(new Object[0], new Shipment())
                        .aggregateId())
                .isEqualTo("S-1");
    }

    @Test
    void explainsAMissingIdAtCallTime() {
        OutboxedMethod m = OutboxedMethod.of(method("note"));
        assertThatThrownBy(() -> m.event(new Object[0], "text"))
                .isInstanceOf(InvalidEventException.class)
                .hasMessageStartingWith("Shop.note(): outbox event 'order.noted' cannot get its aggregate id from the"
                        + " payload: java.lang.String has no property 'id'")
                .hasMessageEndingWith("Mark the id with @AggregateId or set @Outboxed(aggregateId = \"...\")");
    }

    @Test
    void refusesMisuseNamingTheMethod() {
        assertThatThrownBy(() -> OutboxedMethod.of(method("noType")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("Shop.noType(): @Outboxed needs a type");
        assertThatThrownBy(() -> OutboxedMethod.of(method("noAggregate")))
                .hasMessageStartingWith("Shop.noAggregate(): @Outboxed(type = \"order.x\") needs an aggregate");
        assertThatThrownBy(() -> OutboxedMethod.of(method("cancel")))
                .hasMessageStartingWith("Shop.cancel(long): returns void, so it has no payload");
        assertThatThrownBy(() -> OutboxedMethod.of(method("merge")))
                .hasMessage("Shop.merge(Order, Order): has more than one @EventPayload parameter");
        assertThatThrownBy(() -> OutboxedMethod.of(method("twice")))
                .hasMessageStartingWith("Shop.twice(long, Order): names the aggregate id twice");
        assertThatThrownBy(() -> OutboxedMethod.of(method("plain")))
                .hasMessageStartingWith("Shop.plain(): @Outboxed must be placed on the method itself");
    }
}
