package dev.ledgerbox.outbound.it;

import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import javax.sql.DataSource;

@Path("/checkout")
public class CheckoutResource {

    @Inject
    Checkout checkout;

    /**
     * Pays the order inside a business transaction ({@code rollback=true}: one that rolls back after
     * the call). It holds the transaction across the call on purpose, as careless applications do:
     * the capture must not depend on it.
     */
    @POST
    @Path("/{order}")
    @Transactional
    public Response pay(@PathParam("order") String order, @QueryParam("rollback") boolean rollback)
            throws SQLException, NamingException {
        DataSource db = InitialContext.doLookup("java:comp/DefaultDataSource");
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO test_checkout (order_id) VALUES (?)")) {
            ps.setString(1, order);
            ps.executeUpdate();
        }
        String charge;
        try {
            charge = checkout.pay(order);
        } catch (WebApplicationException e) {
            return Response.status(502)
                    .entity("provider answered " + e.getResponse().getStatus())
                    .build();
        }
        if (rollback) {
            throw new IllegalStateException("the business transaction rolls back after the call");
        }
        return Response.ok(charge).build();
    }
}
