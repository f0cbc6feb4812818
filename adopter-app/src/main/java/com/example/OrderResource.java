package com.example;

import jakarta.inject.Inject;
import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Application;
import jakarta.ws.rs.core.MediaType;
import java.math.BigDecimal;

@Path("/orders")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class OrderResource {

    public record NewOrder(String customer, BigDecimal total) {}

    @ApplicationPath("/api")
    public static class Api extends Application {}

    @Inject
    Orders orders;

    @POST
    public ShopOrder place(NewOrder order) {
        return orders.place(order.customer(), order.total());
    }

    @POST
    @Path("{id}/pay")
    public ShopOrder pay(@PathParam("id") long id) {
        return orders.pay(id);
    }
}
