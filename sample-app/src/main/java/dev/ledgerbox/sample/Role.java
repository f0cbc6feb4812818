package dev.ledgerbox.sample;

/** What a member may do. */
public enum Role {
    MEMBER,
    ADMIN
}
