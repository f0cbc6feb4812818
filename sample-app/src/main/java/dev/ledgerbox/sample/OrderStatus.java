package dev.ledgerbox.sample;

/** Where an order is in its life. */
public enum OrderStatus {
    NEW,
    PAID,
    CANCELLED
}
