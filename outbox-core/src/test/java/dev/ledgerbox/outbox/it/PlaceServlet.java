package dev.ledgerbox.outbox.it;

import jakarta.inject.Inject;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** Places a purchase over HTTP, so the correlation filter is exercised as in an application. */
@WebServlet("/place")
public class PlaceServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Inject
    CdiPurchases purchases;

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Purchase p = purchases.place(request.getParameter("sku"));
        response.setContentType("text/plain");
        response.getWriter().print(p.getId());
    }
}
