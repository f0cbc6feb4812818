package dev.ledgerbox.inbox.it;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

@ApplicationPath("api")
public class PaymentsApplication extends Application {}
