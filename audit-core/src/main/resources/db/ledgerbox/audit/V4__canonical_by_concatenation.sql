-- Ledgerbox audit log, schema version 4: the canonical text made by concatenation.
--
-- The same text, byte for byte, as version 1 made with jsonb_build_array(...)::text, so seals
-- made before still verify (AuditCanonicalTest compares both over awkward values), without
-- building a jsonb array that copies the whole diff: the sealer makes this text for every audit
-- row, and it costs about two thirds of what it did. Strings are escaped by to_json, as jsonb
-- escapes them; a missing value is null; the elements are separated by ", " as jsonb prints them.
CREATE OR REPLACE FUNCTION ledgerbox_audit_canonical(a audit_log) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT '[' || a.id::text
        || ', ' || ((extract(epoch FROM a.occurred_at) * 1000000)::bigint)::text
        || ', ' || to_json(a.tx_id::text)::text
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
        || ', ' || coalesce(to_json(host(a.client_ip))::text, 'null')
        || ', ' || coalesce(to_json(a.user_agent)::text, 'null')
        || ', ' || coalesce(to_json(a.outbox_event_id)::text, 'null')
        || ']'
$$;
