-- Ledgerbox audit log, schema version 5: the row's hash made by the writer.
--
-- The sealer made the canonical text of every audit row (ledgerbox_audit_canonical) and hashed
-- it: per row, on the database's CPU, the largest part of what sealing cost. The writer has every
-- value in hand; it now hashes the row's content as it inserts it (row_hash, sha256 of
-- ledgerbox_audit_content(row) below), and the sealer reads those 32 bytes instead of the row.
--
-- A seal's entry for such a row is the hash of the values the database assigns or normalises,
-- beside the content's hash: sha256 of
--
--     [id, "tx_id", "host(client_ip)" or null, "row_hash as hex"]
--
-- Rows without a row_hash (written before this version, by the capture trigger, or by anything
-- else that inserts into audit_log) are sealed as before, by sha256(ledgerbox_audit_canonical(row)).
-- The two texts cannot be confused: the first's second element is a string, the second's a number.
--
-- The verifier does not trust row_hash: it makes the content's text again from the stored values
-- (ledgerbox_audit_row_hash, below), so a changed value, a changed row_hash or a row_hash set to
-- null after sealing all break the seal.
ALTER TABLE audit_log ADD COLUMN row_hash bytea;

COMMENT ON COLUMN audit_log.row_hash IS
    'sha256(ledgerbox_audit_content(row)), made by the writer; null: sealed by ledgerbox_audit_canonical(row)';

-- What the writer hashes: the columns it writes, in a fixed order, the time as epoch
-- microseconds and the diff in jsonb's text form; id, tx_id and client_ip are not in it (the
-- database assigns or normalises them; the seal's entry covers them).
CREATE FUNCTION ledgerbox_audit_content(a audit_log) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT '[' || ((extract(epoch FROM a.occurred_at) * 1000000)::bigint)::text
        || ', ' || to_json(a.entity_type)::text
        || ', ' || to_json(a.entity_id)::text
        || ', ' || to_json(a.operation)::text
        || ', ' || a.diff::text
        || ', ' || coalesce(to_json(a.action)::text, 'null')
        || ', ' || coalesce(to_json(a.reason)::text, 'null')
        || ', ' || coalesce(to_json(a.actor_id)::text, 'null')
        || ', ' || coalesce(to_json(a.actor_name)::text, 'null')
        || ', ' || coalesce(to_json(a.actor_email)::text, 'null')
        || ', ' || coalesce(to_json(a.tenant_id)::text, 'null')
        || ', ' || coalesce(to_json(a.correlation_id)::text, 'null')
        || ', ' || coalesce(to_json(a.trace_id)::text, 'null')
        || ', ' || coalesce(to_json(a.user_agent)::text, 'null')
        || ', ' || coalesce(to_json(a.outbox_event_id)::text, 'null')
        || ']'
$$;

-- A row's entry in its seal (audit_seal.row_hashes), made again from the stored values: what the
-- verifier compares. In SQL alone: SELECT ... WHERE s.row_hashes[i] <> ledgerbox_audit_row_hash(a).
CREATE FUNCTION ledgerbox_audit_row_hash(a audit_log) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN a.row_hash IS NULL THEN
            encode(sha256(convert_to(ledgerbox_audit_canonical(a), 'UTF8')), 'hex')
        ELSE
            encode(sha256(convert_to('[' || a.id::text
                || ', ' || to_json(a.tx_id::text)::text
                || ', ' || coalesce(to_json(host(a.client_ip))::text, 'null')
                || ', ' || to_json(encode(sha256(convert_to(ledgerbox_audit_content(a), 'UTF8')), 'hex'))::text
                || ']', 'UTF8')), 'hex')
    END
$$;
