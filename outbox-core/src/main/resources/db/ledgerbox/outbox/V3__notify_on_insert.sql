-- Ledgerbox outbox, schema version 3: wake the publisher on commit.
--
-- One notification per inserting statement; PostgreSQL delivers it when (and only if) the
-- transaction commits, and folds identical notifications of one transaction into one.
CREATE FUNCTION ledgerbox_outbox_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ledgerbox_outbox', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER outbox_event_notify
    AFTER INSERT ON outbox_event
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerbox_outbox_notify();
