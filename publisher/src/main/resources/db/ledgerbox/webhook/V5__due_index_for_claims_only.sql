-- Ledgerbox webhooks, schema version 5: the due index serves the claim only.
--
-- The claim checks each candidate's order with a look-up in webhook_delivery_open (is an earlier
-- delivery of this aggregate to this endpoint still open?). webhook_delivery_due has the same
-- predicate and the same first column, so it could answer that look-up too, by reading every open
-- delivery of the endpoint. With statistics that say no delivery is open (taken before the tables
-- were emptied, as after a drain or a retention purge) both indexes look empty, the planner took
-- the smaller one, and after a burst each candidate read the whole backlog: 225 ms a claim of 64
-- at 30,000 due until autovacuum's next ANALYZE. The due index now also requires what only the
-- claim says (a due time, which every row has), so the order check can only use
-- webhook_delivery_open. A query that wants this index names a strict condition on the due time
-- (the claim's "next_attempt_at <= ?"): PostgreSQL drops "IS NOT NULL" written on a NOT NULL column. The new index is built before the old one goes; the table is a work
-- table (finished deliveries leave it at retention), so the build is short.
CREATE INDEX webhook_delivery_due_v5 ON webhook_delivery (endpoint_id, next_attempt_at, id)
    WHERE status IN ('PENDING', 'CLAIMED', 'FAILED') AND next_attempt_at IS NOT NULL;
DROP INDEX webhook_delivery_due;
ALTER INDEX webhook_delivery_due_v5 RENAME TO webhook_delivery_due;
