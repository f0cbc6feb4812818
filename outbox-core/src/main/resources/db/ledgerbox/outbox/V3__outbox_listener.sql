-- Ledgerbox outbox, schema version 3: wake a sleeping publisher on commit.
--
-- A publisher with nothing to do records here that it sleeps (and re-records it at least every
-- minute while asleep) and clears the record when it wakes. Ledgerbox's writer sends
-- NOTIFY ledgerbox_outbox in the same statement as the insert, but only while a publisher sleeps:
-- NOTIFY takes a database-wide lock from the notification until the commit is flushed, which
-- serialises the commits of all notifying transactions and would halve the throughput of busy
-- writers. There is no trigger, so other programs that insert events are not slowed down either;
-- the publisher's polling finds their events (or they can run the same pg_notify).
CREATE TABLE outbox_listener (
    instance_id    varchar(255) PRIMARY KEY,
    sleeping_since timestamptz NOT NULL
);
