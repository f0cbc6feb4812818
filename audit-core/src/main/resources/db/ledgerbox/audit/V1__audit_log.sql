-- Ledgerbox audit log, schema version 1.
--
-- audit_log: one row per audited entity change, written in the business transaction.
-- audit_seal: the hash chain over audit_log, appended after commit in commit order, one seal per
-- chain and sealer batch (each seal lists its rows and their hashes).
-- Both are append-only: triggers refuse UPDATE, DELETE and TRUNCATE for every role.

CREATE SEQUENCE audit_log_id_seq AS bigint;

CREATE TABLE audit_log (
    id              bigint       NOT NULL DEFAULT nextval('audit_log_id_seq'),
    occurred_at     timestamptz  NOT NULL,
    -- the writing transaction, pg_current_xact_id() as a number; outbox_event.tx_id is the same
    tx_id           bigint       NOT NULL DEFAULT pg_current_xact_id()::text::bigint,
    entity_type     varchar(255) NOT NULL,
    entity_id       varchar(255) NOT NULL,
    operation       varchar(8)   NOT NULL,
    -- {"field": {"old": ..., "new": ...}}, collections {"field": {"added": [...], "removed": [...]}}
    diff            jsonb        NOT NULL,
    action          varchar(255),
    reason          text,
    actor_id        varchar(255),
    actor_name      varchar(255),
    actor_email     varchar(320),
    tenant_id       varchar(255),
    correlation_id  varchar(255),
    trace_id        varchar(32),
    client_ip       inet,
    user_agent      varchar(512),
    outbox_event_id uuid,
    -- the key doubles as the "history of entity X" index (one B-tree less on every insert);
    -- occurred_at is part of it so that the table can be partitioned by time
    PRIMARY KEY (entity_type, entity_id, id, occurred_at),
    CONSTRAINT audit_log_operation_check CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE'))
);

ALTER SEQUENCE audit_log_id_seq OWNED BY audit_log.id;

-- "everything actor Y did", "everything in correlation Z" ("history of entity X" is the key)
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, occurred_at) WHERE actor_id IS NOT NULL;
CREATE INDEX audit_log_correlation_idx ON audit_log (correlation_id) WHERE correlation_id IS NOT NULL;
-- Time ranges, and the sealer's scan of recent transactions: both columns follow insertion
-- order, so one BRIN index serves them at a fraction of a B-tree's cost per insert.
CREATE INDEX audit_log_brin_idx ON audit_log USING brin (occurred_at, tx_id) WITH (autosummarize = on);

CREATE TABLE audit_seal (
    chain_key  varchar(255) NOT NULL, -- the tenant id, '' for rows without one
    seq        bigint       NOT NULL, -- 1, 2, 3, ... within the chain
    audit_ids  bigint[]     NOT NULL, -- the rows this seal covers, in chain order
    row_hashes text[]       NOT NULL, -- sha256(ledgerbox_audit_canonical(row)) of each, hex
    prev_hash  char(64)     NOT NULL, -- the previous seal's hash; 64 zeros for the first
    hash       char(64)     NOT NULL, -- sha256(prev_hash || row_hashes[1] || ... || row_hashes[n]), hex
    sealed_at  timestamptz  NOT NULL DEFAULT now(),
    -- one seal per (chain, position): a chain cannot fork
    PRIMARY KEY (chain_key, seq),
    CONSTRAINT audit_seal_arrays_check
        CHECK (cardinality(audit_ids) > 0 AND cardinality(audit_ids) = cardinality(row_hashes))
);

-- The sealer's progress: every audit row ordered at or before (tx_id, audit_id) is sealed.
CREATE TABLE audit_seal_state (
    singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    tx_id        bigint  NOT NULL,
    audit_id     bigint  NOT NULL,
    sealed_count bigint  NOT NULL
);
INSERT INTO audit_seal_state (tx_id, audit_id, sealed_count) VALUES (0, 0, 0);

-- The canonical text of a row that the hash covers: every column, in a fixed order, with the
-- time as epoch microseconds and the diff in jsonb's normalised text form.
CREATE FUNCTION ledgerbox_audit_canonical(a audit_log) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_build_array(
        a.id,
        (extract(epoch FROM a.occurred_at) * 1000000)::bigint,
        a.tx_id::text,
        a.entity_type, a.entity_id, a.operation, a.diff,
        a.action, a.reason,
        a.actor_id, a.actor_name, a.actor_email,
        a.tenant_id, a.correlation_id, a.trace_id,
        host(a.client_ip), a.user_agent, a.outbox_event_id)::text
$$;

-- Permanence: no role may change or remove what was written.
CREATE FUNCTION ledgerbox_audit_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledgerbox: % is append-only; % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Audit rows are permanent. Retention drops whole time partitions.';
END
$$;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION ledgerbox_audit_refuse_change();
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerbox_audit_refuse_change();
CREATE TRIGGER audit_seal_append_only
    BEFORE UPDATE OR DELETE ON audit_seal
    FOR EACH ROW EXECUTE FUNCTION ledgerbox_audit_refuse_change();
CREATE TRIGGER audit_seal_no_truncate
    BEFORE TRUNCATE ON audit_seal
    FOR EACH STATEMENT EXECUTE FUNCTION ledgerbox_audit_refuse_change();

REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, audit_seal FROM PUBLIC;

-- SQL first: the common questions as views.

-- One row per changed field: "history of field F of entity X".
CREATE VIEW audit_field_change AS
SELECT a.id AS audit_id, a.occurred_at, a.entity_type, a.entity_id, a.operation,
       f.key AS field,
       f.value -> 'old' AS old_value,
       f.value -> 'new' AS new_value,
       f.value -> 'added' AS added,
       f.value -> 'removed' AS removed,
       a.action, a.reason, a.actor_id, a.actor_name, a.tenant_id, a.correlation_id, a.tx_id
FROM audit_log a
CROSS JOIN LATERAL jsonb_each(a.diff) AS f(key, value);

-- Activity by actor and day.
CREATE VIEW audit_actor_activity AS
SELECT actor_id, max(actor_name) AS actor_name, date_trunc('day', occurred_at) AS day,
       entity_type, operation, count(*) AS changes
FROM audit_log
GROUP BY actor_id, date_trunc('day', occurred_at), entity_type, operation;

COMMENT ON TABLE audit_log IS
    'Ledgerbox audit log: one append-only row per audited entity change, with field diffs.';
COMMENT ON TABLE audit_seal IS
    'Ledgerbox hash chain over audit_log, per tenant, appended by the sealer in commit order.';
