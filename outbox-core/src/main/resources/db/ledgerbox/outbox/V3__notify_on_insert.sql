-- Ledgerbox outbox, schema version 3: wake a sleeping publisher on commit.
--
-- NOTIFY serialises the commits of all notifying transactions (PostgreSQL takes a database-wide
-- lock from the notification until the commit is flushed), which would halve the throughput of
-- busy writers. So writers notify only while some publisher sleeps: a publisher records here
-- that it goes to sleep (and re-records it at least every minute while asleep), and clears it
-- when it wakes. A busy publisher is not sleeping, so busy writers never notify; an idle one is
-- woken by the first commit. Publishers also poll, which covers the rare transaction that began
-- before a publisher fell asleep and committed after its last look.
CREATE TABLE outbox_listener (
    instance_id    varchar(255) PRIMARY KEY,
    sleeping_since timestamptz                -- null while the publisher works
);

CREATE FUNCTION ledgerbox_outbox_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM outbox_listener WHERE sleeping_since > now() - interval '2 minutes') THEN
        PERFORM pg_notify('ledgerbox_outbox', '');
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER outbox_event_notify
    AFTER INSERT ON outbox_event
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerbox_outbox_notify();
