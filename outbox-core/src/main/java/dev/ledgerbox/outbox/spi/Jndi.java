package dev.ledgerbox.outbox.spi;

import javax.naming.InitialContext;
import javax.naming.NamingException;
import javax.sql.DataSource;

/** What the modules' container layers look up by name: their data source, the container's executors. */
public final class Jndi {

    private Jndi() {}

    /**
     * The data source a setting names.
     *
     * @throws IllegalStateException naming the setting, its value and why the lookup failed
     */
    public static DataSource dataSource(String setting, String name) {
        try {
            return InitialContext.doLookup(name);
        } catch (NamingException | ClassCastException e) {
            throw new IllegalStateException(
                    setting + " names '" + name + "', which is not a data source here: " + e.getMessage(), e);
        }
    }

    /** The object bound to {@code name} (a managed executor or thread factory), or {@code null}. */
    public static <T> T optional(String name) {
        try {
            return InitialContext.doLookup(name);
        } catch (NamingException e) {
            return null;
        }
    }
}
