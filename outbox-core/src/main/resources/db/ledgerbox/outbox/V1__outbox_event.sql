-- Ledgerbox outbox, schema version 1.
--
-- outbox_event keeps the columns of Debezium's Outbox Event Router under their default
-- names (id, aggregatetype, aggregateid, type, payload), so the same table can be drained
-- by change data capture instead of the polling publisher.

-- One row per aggregate that ever had an event: the per-aggregate sequence. Writers of one
-- aggregate take this row's lock until they commit, so aggregate_seq follows commit order.
CREATE TABLE outbox_aggregate (
    aggregatetype varchar(255) NOT NULL,
    aggregateid   varchar(255) NOT NULL,
    last_seq      bigint       NOT NULL,
    PRIMARY KEY (aggregatetype, aggregateid)
) WITH (fillfactor = 80); -- room for HOT updates of last_seq

CREATE TABLE outbox_event (
    -- Debezium Outbox Event Router columns
    id              uuid          NOT NULL PRIMARY KEY,
    aggregatetype   varchar(255)  NOT NULL,
    aggregateid     varchar(255)  NOT NULL,
    type            varchar(255)  NOT NULL,
    payload         jsonb         NOT NULL,

    -- ordering: commit order within the aggregate, insertion order overall
    aggregate_seq   bigint        NOT NULL,
    position        bigint        GENERATED ALWAYS AS IDENTITY,

    -- context captured in the writing transaction
    occurred_at     timestamptz   NOT NULL,
    correlation_id  varchar(255),
    traceparent     varchar(55),
    tracestate      varchar(512),
    tenant_id       varchar(255),
    headers         jsonb         NOT NULL DEFAULT '{}'::jsonb,
    schema_version  integer       NOT NULL DEFAULT 1,

    -- delivery state, owned by the publisher
    status          varchar(16)   NOT NULL DEFAULT 'PENDING',
    attempts        integer       NOT NULL DEFAULT 0,
    next_attempt_at timestamptz   NOT NULL DEFAULT now(),
    claimed_by      varchar(255),
    lease_until     timestamptz,
    delivered_at    timestamptz,
    last_error      text,

    CONSTRAINT outbox_event_status_check
        CHECK (status IN ('PENDING', 'CLAIMED', 'DELIVERED', 'FAILED', 'DEAD')),
    CONSTRAINT outbox_event_aggregate_seq_key
        UNIQUE (aggregatetype, aggregateid, aggregate_seq)
);

-- The claim query: due events that are not delivered yet, oldest first.
CREATE INDEX outbox_event_due_idx
    ON outbox_event (next_attempt_at, position)
    WHERE status IN ('PENDING', 'CLAIMED', 'FAILED');

-- Operators' look-ups.
CREATE INDEX outbox_event_correlation_idx ON outbox_event (correlation_id);
-- occurred_at follows insertion order, so a BRIN index serves time ranges at a fraction of
-- a B-tree's write cost.
CREATE INDEX outbox_event_occurred_idx ON outbox_event USING brin (occurred_at);

COMMENT ON TABLE outbox_event IS
    'Ledgerbox transactional outbox: one row per event, written in the business transaction.';
COMMENT ON COLUMN outbox_event.aggregate_seq IS
    'Position of the event in its aggregate, in commit order (1, 2, 3, ...).';
COMMENT ON COLUMN outbox_event.traceparent IS
    'W3C trace context of the writing transaction; the publisher continues it.';
