package dev.ledgerbox.sample;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.math.BigDecimal;
import java.net.URI;
import java.util.List;

/**
 * {@code POST /api/orders} places an order, {@code POST /api/orders/{id}/pay} charges it at the
 * payment provider and marks it paid, {@code
 * POST /api/orders/{id}/cancel} cancels it, {@code GET /api/orders/{id}} shows it, {@code GET
 * /api/orders} lists the newest.
 */
@Path("/orders")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class OrderResource {

    /** What a client sends to place an order. */
    public record NewOrder(String customer, BigDecimal total) {}

    /** What the API answers. */
    public record OrderView(long id, String customer, BigDecimal total, OrderStatus status) {
        static OrderView of(ShopOrder o) {
            return new OrderView(o.getId(), o.getCustomer(), o.getTotal(), o.getStatus());
        }
    }

    @Inject
    Orders orders;

    @Inject
    Payments payments;

    @POST
    public Response place(NewOrder request) {
        if (request == null) {
            throw new BusinessRuleException("send {\"customer\": ..., \"total\": ...}");
        }
        ShopOrder order = orders.place(request.customer(), request.total());
        return Response.created(URI.create("orders/" + order.getId()))
                .entity(OrderView.of(order))
                .build();
    }

    @POST
    @Path("/{id}/pay")
    public OrderView pay(@PathParam("id") long id) {
        ShopOrder order = orders.find(id);
        if (order.getStatus() != OrderStatus.NEW) { // refused before anything is charged
            throw new BusinessRuleException(
                    "order " + id + " is " + order.getStatus() + ": only a NEW order can be paid");
        }
        // the provider is called outside any transaction; the order is marked paid after it answered
        payments.charge("order-" + id, id, order.getTotal());
        return OrderView.of(orders.pay(id));
    }

    @POST
    @Path("/{id}/cancel")
    public OrderView cancel(@PathParam("id") long id) {
        return OrderView.of(orders.cancel(id));
    }

    /** The newest orders first, at most 100. */
    @GET
    public List<OrderView> list() {
        return orders.newest(100).stream().map(OrderView::of).toList();
    }

    @GET
    @Path("/{id}")
    public OrderView get(@PathParam("id") long id) {
        return OrderView.of(orders.find(id));
    }
}
