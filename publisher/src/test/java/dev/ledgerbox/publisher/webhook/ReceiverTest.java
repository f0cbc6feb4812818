package dev.ledgerbox.publisher.webhook;

import dev.ledgerbox.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** What every webhook test starts from: empty tables, a fresh receiver, a clock to move by hand. */
abstract class ReceiverTest {

    protected final MutableClock clock = new MutableClock();
    protected Receiver receiver;

    @BeforeEach
    void emptyTablesAndAFreshReceiver() throws Exception {
        Webhooks.clear();
        receiver = new Receiver();
    }

    @AfterEach
    void stopTheReceiver() {
        receiver.close();
    }
}
