package dev.ledgerbox.inbox.it;

import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;

/** Breaks and fixes the application's write, as a bad deploy and its fix would. */
@Path("broken")
public class BrokenResource {

    @PUT
    public void set(String value) {
        Payments.BROKEN.set(Boolean.parseBoolean(value.trim()));
    }
}
