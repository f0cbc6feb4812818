-- Ledgerbox audit log, schema version 3: the sealer's progress is append-only.
--
-- It was one row that the sealer updated, and any role that could write it could rewind it: cut
-- the newest audit rows and seals, rewind the row to match, and the shortened chain verified.
-- Now each sealing batch appends where it got to; the newest row is the progress. Rows cannot be
-- updated, deleted or truncated, and a new one cannot point behind the newest: rewinding takes the
-- table owner switching the triggers off, which `verify --anchor` then catches.
CREATE TABLE audit_seal_progress (
    seq          bigserial   PRIMARY KEY,
    tx_id        bigint      NOT NULL, -- every audit row ordered at or before (tx_id, audit_id) is sealed
    audit_id     bigint      NOT NULL,
    sealed_count bigint      NOT NULL, -- audit rows sealed in all
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO audit_seal_progress (tx_id, audit_id, sealed_count)
    SELECT tx_id, audit_id, sealed_count FROM audit_seal_state;
DROP TABLE audit_seal_state;

CREATE FUNCTION ledgerbox_audit_progress_forward() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    newest audit_seal_progress;
BEGIN
    SELECT * INTO newest FROM audit_seal_progress ORDER BY seq DESC LIMIT 1;
    IF FOUND AND ((NEW.tx_id, NEW.audit_id) < (newest.tx_id, newest.audit_id)
                  OR NEW.sealed_count < newest.sealed_count) THEN
        RAISE EXCEPTION 'ledgerbox: audit_seal_progress only moves forward; (%, %, %) is behind (%, %, %)',
            NEW.tx_id, NEW.audit_id, NEW.sealed_count, newest.tx_id, newest.audit_id, newest.sealed_count
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER audit_seal_progress_forward
    BEFORE INSERT ON audit_seal_progress
    FOR EACH ROW EXECUTE FUNCTION ledgerbox_audit_progress_forward();
CREATE TRIGGER audit_seal_progress_append_only
    BEFORE UPDATE OR DELETE ON audit_seal_progress
    FOR EACH ROW EXECUTE FUNCTION ledgerbox_audit_refuse_change();
CREATE TRIGGER audit_seal_progress_no_truncate
    BEFORE TRUNCATE ON audit_seal_progress
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerbox_audit_refuse_change();

COMMENT ON TABLE audit_seal_progress IS
    'Where the Ledgerbox audit sealer got to, one row per sealing batch; the newest is the progress (append-only)';
