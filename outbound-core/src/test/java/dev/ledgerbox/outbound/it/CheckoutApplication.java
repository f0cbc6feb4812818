package dev.ledgerbox.outbound.it;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

@ApplicationPath("/api")
public class CheckoutApplication extends Application {}
