-- Ledgerbox outbox, schema version 4: events from other programs.
--
-- Another service, a SQL migration or a CDC test can write an event the way Ledgerbox's writer
-- does, in its own transaction:
--   SELECT ledgerbox_emit('order', '42', 'order.shipped', '{"id": 42}'::jsonb, 'batch-2026-12-02');
-- It takes the aggregate's next position in commit order (the same per-aggregate counter row,
-- locked until commit), stamps occurred_at, and wakes a sleeping publisher, as the Java writer
-- does. Returns the event's id.
CREATE FUNCTION ledgerbox_emit(
    p_aggregatetype  varchar,
    p_aggregateid    varchar,
    p_type           varchar,
    p_payload        jsonb,
    p_correlation_id varchar DEFAULT NULL,
    p_headers        jsonb   DEFAULT '{}'::jsonb,
    p_tenant_id      varchar DEFAULT NULL)
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

    INSERT INTO outbox_aggregate AS a (aggregatetype, aggregateid, last_seq)
    VALUES (p_aggregatetype, p_aggregateid, 1)
    ON CONFLICT (aggregatetype, aggregateid) DO UPDATE SET last_seq = a.last_seq + 1
    RETURNING last_seq INTO v_seq;

    INSERT INTO outbox_event (id, aggregatetype, aggregateid, type, payload, aggregate_seq, occurred_at,
                              correlation_id, tenant_id, headers)
    VALUES (v_id, p_aggregatetype, p_aggregateid, p_type, p_payload, v_seq, now(),
            p_correlation_id, p_tenant_id, coalesce(p_headers, '{}'::jsonb));

    PERFORM pg_notify('ledgerbox_outbox', '') FROM outbox_listener
    WHERE sleeping_since > now() - interval '2 minutes' LIMIT 1;
    RETURN v_id;
END
$$;

COMMENT ON FUNCTION ledgerbox_emit(varchar, varchar, varchar, jsonb, varchar, jsonb, varchar) IS
    'Writes an outbox event as Ledgerbox''s writer does (per-aggregate order, wake-up); returns its id.';
