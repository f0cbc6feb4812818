-- Ledgerbox outbox, schema version 2: the writing transaction's id.
--
-- audit_log rows carry the same value, so an event and the audit rows of its transaction join
-- on tx_id. Added without a default first so that existing rows are not rewritten.
ALTER TABLE outbox_event ADD COLUMN tx_id bigint;
ALTER TABLE outbox_event ALTER COLUMN tx_id SET DEFAULT pg_current_xact_id()::text::bigint;

COMMENT ON COLUMN outbox_event.tx_id IS
    'PostgreSQL transaction id of the writing transaction (pg_current_xact_id() as a number).';
