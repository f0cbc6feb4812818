-- Ledgerbox outbox, schema version 6: events written unordered.
--
-- An event whose consumers do not rely on its aggregate's order can be written without a number
-- (OutboxEvent.Builder.unordered(), @Outboxed(ordered = false), ledgerbox_emit(..., p_ordered =>
-- false)): aggregate_seq is NULL, the write skips the aggregate's counter row, and the publisher
-- delivers the event as soon as it is due, neither waiting for nor holding back the aggregate's
-- numbered events (its predecessor check compares numbers, and NULL compares to nothing).
-- Dropping NOT NULL changes the catalogue only; no row is rewritten.
ALTER TABLE outbox_event ALTER COLUMN aggregate_seq DROP NOT NULL;

COMMENT ON COLUMN outbox_event.aggregate_seq IS
    'Position of the event in its aggregate, in commit order (1, 2, 3, ...); NULL when written unordered.';

-- ledgerbox_emit gains p_ordered (default true: numbered, as before). The old signature is dropped
-- so that a call naming only the first arguments resolves to one function.
DROP FUNCTION ledgerbox_emit(varchar, varchar, varchar, jsonb, varchar, jsonb, varchar);

CREATE FUNCTION ledgerbox_emit(
    p_aggregatetype  varchar,
    p_aggregateid    varchar,
    p_type           varchar,
    p_payload        jsonb,
    p_correlation_id varchar DEFAULT NULL,
    p_headers        jsonb   DEFAULT '{}'::jsonb,
    p_tenant_id      varchar DEFAULT NULL,
    p_ordered        boolean DEFAULT true)
RETURNS uuid
LANGUAGE plpgsql
AS $$
DECLARE
    v_id  uuid := gen_random_uuid();
    v_seq bigint;
BEGIN
    IF p_aggregatetype IS NULL OR btrim(p_aggregatetype) = '' THEN
        RAISE EXCEPTION 'ledgerbox_emit: the aggregate type must not be empty' USING ERRCODE = '22023';
    END IF;
    IF p_aggregateid IS NULL OR btrim(p_aggregateid) = '' THEN
        RAISE EXCEPTION 'ledgerbox_emit: the aggregate id of % must not be empty', p_aggregatetype
            USING ERRCODE = '22023';
    END IF;
    IF p_type IS NULL OR btrim(p_type) = '' THEN
        RAISE EXCEPTION 'ledgerbox_emit: the event type for %/% must not be empty', p_aggregatetype, p_aggregateid
            USING ERRCODE = '22023';
    END IF;
    IF p_payload IS NULL THEN
        RAISE EXCEPTION 'ledgerbox_emit: the payload of % for %/% must not be null (use ''{}''::jsonb)',
            p_type, p_aggregatetype, p_aggregateid USING ERRCODE = '22023';
    END IF;
    IF p_ordered IS NULL THEN
        RAISE EXCEPTION 'ledgerbox_emit: p_ordered of % for %/% must be true or false, not null',
            p_type, p_aggregatetype, p_aggregateid USING ERRCODE = '22023';
    END IF;

    IF p_ordered THEN
        INSERT INTO outbox_aggregate AS a (aggregatetype, aggregateid, last_seq)
        VALUES (p_aggregatetype, p_aggregateid, 1)
        ON CONFLICT (aggregatetype, aggregateid) DO UPDATE SET last_seq = a.last_seq + 1
        RETURNING last_seq INTO v_seq;
    END IF;

    INSERT INTO outbox_event (id, aggregatetype, aggregateid, type, payload, aggregate_seq, occurred_at,
                              correlation_id, tenant_id, headers)
    VALUES (v_id, p_aggregatetype, p_aggregateid, p_type, p_payload, v_seq, now(),
            p_correlation_id, p_tenant_id, coalesce(p_headers, '{}'::jsonb));

    PERFORM pg_notify('ledgerbox_outbox', '') FROM outbox_listener
    WHERE sleeping_since > now() - interval '2 minutes' LIMIT 1;
    RETURN v_id;
END
$$;

COMMENT ON FUNCTION ledgerbox_emit(varchar, varchar, varchar, jsonb, varchar, jsonb, varchar, boolean) IS
    'Writes an outbox event as Ledgerbox''s writer does (per-aggregate order unless p_ordered is false, wake-up); returns its id.';
