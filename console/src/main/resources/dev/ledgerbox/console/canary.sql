WITH since AS (SELECT now() - interval '24 hours' AS t),
audited AS (
    SELECT DISTINCT a.tx_id FROM audit_log a, since WHERE a.occurred_at >= since.t),
events AS (
    SELECT e.id, e.tx_id, e.type, e.status, e.occurred_at FROM outbox_event e, since WHERE e.occurred_at >= since.t),
routable AS ( -- (delivered event, enabled endpoint whose filters match it): one delivery each
    SELECT e.id AS event_id, ep.id AS endpoint_id FROM events e
    JOIN webhook_endpoint ep ON ep.enabled AND ep.created_at <= e.occurred_at
                            AND ledgerbox_webhook_matches(ep.event_types, e.type)
    WHERE e.status = 'DELIVERED')
SELECT
    (SELECT count(*) FROM audited) AS audited_transactions,
    (SELECT count(DISTINCT tx_id) FROM events) AS event_transactions,
    (SELECT count(*) FROM events) AS events,
    (SELECT count(*) FROM webhook_delivery d JOIN events e ON e.id = d.event_id) AS deliveries,
    (SELECT count(*) FROM audited a
      WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.tx_id = a.tx_id)) AS missing_events,
    (SELECT count(*) FROM (SELECT DISTINCT tx_id FROM events) e
      WHERE NOT EXISTS (SELECT 1 FROM audited a WHERE a.tx_id = e.tx_id)) AS missing_audit,
    (SELECT count(*) FROM routable r
      WHERE NOT EXISTS (SELECT 1 FROM webhook_delivery d
                        WHERE d.event_id = r.event_id AND d.endpoint_id = r.endpoint_id)) AS missing_deliveries,
    (SELECT count(*) FROM events
      WHERE status <> 'DELIVERED' AND occurred_at < now() - interval '1 hour') AS stuck_events,
    (SELECT count(*) FROM webhook_delivery d JOIN events e ON e.id = d.event_id
      WHERE d.status NOT IN ('DELIVERED') AND d.created_at < now() - interval '1 hour') AS stuck_deliveries;
