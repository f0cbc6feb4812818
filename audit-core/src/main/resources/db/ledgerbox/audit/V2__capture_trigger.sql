-- Ledgerbox audit log, schema version 2: an optional capture trigger.
--
-- Hibernate's event listeners do not see bulk HQL/Criteria updates, native SQL or other
-- programs. For tables changed that way, install this trigger; it writes audit_log rows with
-- the same diff shape, keyed by column names:
--
--   CREATE TRIGGER shop_order_audit AFTER INSERT OR UPDATE OR DELETE ON shop_order
--       FOR EACH ROW EXECUTE FUNCTION ledgerbox_audit_capture('Order', 'id', 'version', 'card_number');
--
-- Arguments: the entity_type, the id column, then columns to leave out. Context comes from
-- transaction-local settings, e.g. SET LOCAL ledgerbox.actor_id = 'ops-script'. Do not combine
-- it with @Audited on the same entity, or changes made through Hibernate are recorded twice.
CREATE FUNCTION ledgerbox_audit_capture() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    old_row  jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
    new_row  jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
    id_col   text  := coalesce(TG_ARGV[1], 'id');
    left_out text[] := coalesce(TG_ARGV[2:], '{}');
    changes  jsonb;
BEGIN
    SELECT coalesce(jsonb_object_agg(k.key,
               CASE
                   WHEN TG_OP = 'INSERT' THEN jsonb_build_object('new', new_row -> k.key)
                   WHEN TG_OP = 'DELETE' THEN jsonb_build_object('old', old_row -> k.key)
                   ELSE jsonb_build_object('old', old_row -> k.key, 'new', new_row -> k.key)
               END), '{}'::jsonb)
      INTO changes
      FROM jsonb_object_keys(coalesce(new_row, old_row)) AS k(key)
     WHERE k.key <> ALL (left_out)
       AND k.key <> id_col
       AND CASE
               WHEN TG_OP = 'INSERT' THEN new_row -> k.key <> 'null'::jsonb
               WHEN TG_OP = 'DELETE' THEN old_row -> k.key <> 'null'::jsonb
               ELSE (old_row -> k.key) IS DISTINCT FROM (new_row -> k.key)
           END;
    IF TG_OP = 'UPDATE' AND changes = '{}'::jsonb THEN
        RETURN NULL;
    END IF;
    INSERT INTO audit_log (occurred_at, entity_type, entity_id, operation, diff, action, reason,
                           actor_id, tenant_id, correlation_id)
    VALUES (clock_timestamp(), TG_ARGV[0], coalesce(new_row, old_row) ->> id_col, TG_OP, changes,
            nullif(current_setting('ledgerbox.action', true), ''),
            nullif(current_setting('ledgerbox.reason', true), ''),
            nullif(current_setting('ledgerbox.actor_id', true), ''),
            nullif(current_setting('ledgerbox.tenant_id', true), ''),
            nullif(current_setting('ledgerbox.correlation_id', true), ''));
    RETURN NULL;
END
$$;
