package dev.ledgerbox.audit.it;

import jakarta.ejb.EJB;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** Opens an account over HTTP, so the request filters are exercised as in an application. */
@WebServlet("/accounts")
public class AccountServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @EJB
    AccountService accounts;

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        long id = accounts.open(request.getParameter("name"));
        response.setContentType("text/plain");
        response.getWriter().print(id);
    }
}
