package dev.ledgerbox.inbox.it;

import dev.ledgerbox.outbox.Correlation;
import jakarta.annotation.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;

/** The application's write: marks a payment received, once per provider id, with the correlation id. */
@ApplicationScoped
public class Payments {

    /** While set, the write fails as a broken deploy would. */
    static final AtomicBoolean BROKEN = new AtomicBoolean();

    @Resource
    DataSource db;

    @Transactional
    public void record(String webhookId, String order) throws SQLException {
        if (BROKEN.get()) {
            throw new IllegalStateException("column \"paid_at\" of relation \"payment\" does not exist");
        }
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO test_payment (webhook_id, order_id,"
                        + " correlation_id) VALUES (?, ?, ?) ON CONFLICT (webhook_id) DO NOTHING")) {
            ps.setString(1, webhookId);
            ps.setString(2, order);
            ps.setString(3, Correlation.current().orElse(null));
            ps.executeUpdate();
        }
    }
}
