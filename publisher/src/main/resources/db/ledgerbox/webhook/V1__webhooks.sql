-- Ledgerbox webhooks, schema version 1: endpoints, their signing secrets, the message sent for
-- each event, one delivery per (event, endpoint) and one row per HTTP attempt.
--
-- The publisher routes an outbox event in the same transaction that marks it delivered: it
-- stores the exact body that will be signed and sent (webhook_message) and one delivery per
-- enabled endpoint whose filters match. Deliveries then have a life of their own: claimed with a
-- lease, attempted, retried on a schedule, dead-lettered, replayed.

CREATE TABLE webhook_endpoint (
    id              uuid PRIMARY KEY,
    url             text         NOT NULL,
    description     text,
    event_types     text[]       NOT NULL CHECK (cardinality(event_types) > 0),
    enabled         boolean      NOT NULL DEFAULT true,
    disabled_reason text,
    allow_private   boolean      NOT NULL DEFAULT false,
    timeout_ms      integer      NOT NULL DEFAULT 10000 CHECK (timeout_ms BETWEEN 100 AND 300000),
    max_concurrency integer      NOT NULL DEFAULT 8 CHECK (max_concurrency BETWEEN 1 AND 1000),
    rate_per_second integer      CHECK (rate_per_second > 0),
    headers         jsonb        NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(headers) = 'object'),
    created_at      timestamptz  NOT NULL DEFAULT now(),
    updated_at      timestamptz  NOT NULL DEFAULT now()
);

-- Signing secrets (whsec_<base64>). The current one has no expiry; after a rotation the old ones
-- keep signing, next to the new one, until expires_at.
CREATE TABLE webhook_secret (
    id          bigserial PRIMARY KEY,
    endpoint_id uuid        NOT NULL REFERENCES webhook_endpoint (id) ON DELETE CASCADE,
    secret      text        NOT NULL CHECK (secret LIKE 'whsec\_%'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz
);
CREATE INDEX webhook_secret_endpoint ON webhook_secret (endpoint_id);

-- Whether an event type matches an endpoint's filters: '*', an exact type, or a prefix 'order.*'.
CREATE FUNCTION ledgerbox_webhook_matches(patterns text[], event_type text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT EXISTS (
        SELECT 1 FROM unnest(patterns) AS p
        WHERE p = '*' OR p = event_type OR (right(p, 2) = '.*' AND starts_with(event_type, left(p, -1))))
$$;

-- The message of one event: body holds the exact UTF-8 text that is signed and sent, to every
-- endpoint and on every attempt. It outlives the outbox row (the outbox's retention may delete
-- that first).
CREATE TABLE webhook_message (
    event_id       uuid PRIMARY KEY,
    type           varchar(255) NOT NULL,
    aggregatetype  varchar(255) NOT NULL,
    aggregateid    varchar(255) NOT NULL,
    aggregate_seq  bigint       NOT NULL,
    body           text         NOT NULL,
    correlation_id varchar(255),
    traceparent    varchar(55),
    tenant_id      varchar(255),
    occurred_at    timestamptz  NOT NULL,
    created_at     timestamptz  NOT NULL DEFAULT now()
);
CREATE INDEX webhook_message_aggregate ON webhook_message (aggregatetype, aggregateid);
CREATE INDEX webhook_message_correlation ON webhook_message (correlation_id) WHERE correlation_id IS NOT NULL;

CREATE TABLE webhook_replay (
    id           bigserial PRIMARY KEY,
    requested_by varchar(255) NOT NULL,
    reason       text         NOT NULL,
    filter       jsonb        NOT NULL,
    deliveries   integer      NOT NULL DEFAULT 0,
    requested_at timestamptz  NOT NULL DEFAULT now()
);

CREATE TABLE webhook_delivery (
    id              bigserial PRIMARY KEY,
    event_id        uuid         NOT NULL REFERENCES webhook_message (event_id),
    endpoint_id     uuid         NOT NULL REFERENCES webhook_endpoint (id),
    aggregatetype   varchar(255) NOT NULL,
    aggregateid     varchar(255) NOT NULL,
    aggregate_seq   bigint       NOT NULL,
    status          varchar(16)  NOT NULL DEFAULT 'PENDING'
                    CHECK (status IN ('PENDING', 'CLAIMED', 'FAILED', 'DELIVERED', 'DEAD')),
    attempts        integer      NOT NULL DEFAULT 0,
    next_attempt_at timestamptz  NOT NULL DEFAULT now(),
    claimed_by      varchar(255),
    lease_until     timestamptz,
    last_status     integer,
    last_error      text,
    replay_id       bigint REFERENCES webhook_replay (id),
    created_at      timestamptz  NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    dead_at         timestamptz,
    UNIQUE (event_id, endpoint_id)
) WITH (fillfactor = 70); -- room for the new versions of a claim and its outcome on the same page
-- what is due, per endpoint (the claim walks the endpoints it has room for)
CREATE INDEX webhook_delivery_due ON webhook_delivery (endpoint_id, next_attempt_at, id)
    WHERE status IN ('PENDING', 'CLAIMED', 'FAILED');
-- per-aggregate order per endpoint: is an earlier delivery of this aggregate still open?
CREATE INDEX webhook_delivery_open ON webhook_delivery (endpoint_id, aggregatetype, aggregateid, aggregate_seq)
    WHERE status IN ('PENDING', 'CLAIMED', 'FAILED');
CREATE INDEX webhook_delivery_dead ON webhook_delivery (dead_at) WHERE status = 'DEAD';

-- One row per HTTP attempt: the request is written before the call, the response (or the error)
-- after it. Headers are stored redacted; bodies by their SHA-256 (the message holds the bytes).
CREATE TABLE webhook_attempt (
    id                  bigserial PRIMARY KEY,
    delivery_id         bigint      NOT NULL REFERENCES webhook_delivery (id),
    event_id            uuid        NOT NULL,
    endpoint_id         uuid        NOT NULL,
    attempt             integer     NOT NULL,
    replay_id           bigint,
    request_url         text        NOT NULL,
    request_headers     jsonb       NOT NULL,
    request_body_sha256 char(64)    NOT NULL,
    request_bytes       integer     NOT NULL,
    requested_at        timestamptz NOT NULL,
    responded_at        timestamptz,
    duration_ms         integer,
    response_status     integer,
    response_headers    jsonb,
    response_body       text,
    response_truncated  boolean,
    error_class         text,
    error_message       text,
    outcome             varchar(16) CHECK (outcome IN ('DELIVERED', 'RETRY', 'DEAD', 'GONE'))
) WITH (fillfactor = 50); -- room on the page for the response: completing a row is a HOT update
CREATE INDEX webhook_attempt_delivery ON webhook_attempt (delivery_id);
CREATE INDEX webhook_attempt_requested ON webhook_attempt USING brin (requested_at);
-- by event: through webhook_delivery (event_id, endpoint_id), then delivery_id
