package dev.ledgerbox.testing;

import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/**
 * Starts the shared embedded PostgreSQL before any test runs when its port is fixed by {@value
 * EmbeddedDatabase#PORT_PROPERTY}: a container under test (Open Liberty, started by Arquillian
 * before the first test method) then finds the database already up and migrated.
 */
public final class SharedDatabaseListener implements TestExecutionListener {

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        if (Integer.getInteger(EmbeddedDatabase.PORT_PROPERTY) != null) {
            EmbeddedDatabase.shared();
        }
    }
}
