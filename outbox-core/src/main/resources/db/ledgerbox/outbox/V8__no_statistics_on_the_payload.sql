-- Ledgerbox outbox, schema version 8: ANALYZE no longer gathers statistics on an event's payload
-- and headers.
--
-- Autovacuum analyzes outbox_event after every tenth of its size in written, claimed or purged
-- rows, and for a jsonb column ANALYZE sorts its sample of up to 30,000 values with jsonb's
-- comparison: 250 ms of the database's CPU on 200,000 events, 100 ms without these two columns.
-- No query of Ledgerbox filters on them, and the publisher's plans rest on the status, due and
-- aggregate keys, whose statistics stay; a filter on the payload (? or @>) is estimated with the
-- default selectivity. A deployment that wants them back can SET STATISTICS -1.
ALTER TABLE outbox_event ALTER COLUMN payload SET STATISTICS 0, ALTER COLUMN headers SET STATISTICS 0;
