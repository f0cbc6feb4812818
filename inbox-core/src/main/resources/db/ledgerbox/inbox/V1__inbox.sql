-- Ledgerbox inbox: every payload a third party pushes in, captured in its own committed
-- transaction before the application writes anything, then processed (in the request or in the
-- background) and replayable. Rows are never updated by the application's business code.

CREATE TABLE inbox_replay (
    id           bigserial    PRIMARY KEY,
    requested_by varchar(255) NOT NULL,
    reason       text         NOT NULL,
    filter       jsonb        NOT NULL,
    messages     integer      NOT NULL DEFAULT 0,
    requested_at timestamptz  NOT NULL DEFAULT now()
);

CREATE TABLE inbox_message (
    id                 bigserial     PRIMARY KEY,
    source             varchar(255)  NOT NULL,
    -- the sender's natural identifier, and where it was read (header:webhook-id, body:/id, generated)
    idempotency_key    varchar(512)  NOT NULL,
    key_origin         varchar(255)  NOT NULL,
    status             varchar(20)   NOT NULL DEFAULT 'RECEIVED',
    mode               varchar(5)    NOT NULL DEFAULT 'SYNC' CHECK (mode IN ('SYNC', 'ASYNC')),
    duplicate_of       bigint        REFERENCES inbox_message (id) ON DELETE SET NULL,

    -- the request exactly as received
    received_at        timestamptz   NOT NULL DEFAULT now(),
    content_type       varchar(255),
    headers            jsonb         NOT NULL DEFAULT '{}'::jsonb,
    body               bytea         NOT NULL,
    body_sha256        char(64)      NOT NULL,
    body_bytes         integer       NOT NULL,
    body_truncated     boolean       NOT NULL DEFAULT false,
    client_ip          varchar(64),
    user_agent         text,
    origin             varchar(512),
    correlation_id     varchar(255),
    traceparent        varchar(55),
    reject_reason      text,

    -- processing, owned by the inbox
    attempts           integer       NOT NULL DEFAULT 0,
    next_attempt_at    timestamptz   NOT NULL DEFAULT 'infinity',
    claimed_by         varchar(255),
    lease_until        timestamptz,
    processing_started_at timestamptz,
    processed_at       timestamptz,
    processing_ms      integer,
    response_status    integer,
    response_body      text,
    outcome            text,
    error_class        varchar(512),
    error_message      text,
    replay_id          bigint        REFERENCES inbox_replay (id),

    CONSTRAINT inbox_message_status_check CHECK (status IN (
        'RECEIVED', 'PROCESSING', 'PROCESSED', 'FAILED', 'DEAD',
        'DUPLICATE', 'INVALID', 'INVALID_SIGNATURE', 'TOO_LARGE'))
);

-- One message per (source, key): duplicates and rejected captures are rows too, but hold no key.
CREATE UNIQUE INDEX inbox_message_key ON inbox_message (source, idempotency_key)
    WHERE status IN ('RECEIVED', 'PROCESSING', 'PROCESSED', 'FAILED', 'DEAD');
-- What the background processing claims: received, failed with a retry due, or a lease run out.
CREATE INDEX inbox_message_due ON inbox_message (next_attempt_at, id)
    WHERE status IN ('RECEIVED', 'PROCESSING', 'FAILED');
CREATE INDEX inbox_message_received ON inbox_message USING brin (received_at);
CREATE INDEX inbox_message_correlation ON inbox_message (correlation_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX inbox_message_duplicate_of ON inbox_message (duplicate_of) WHERE duplicate_of IS NOT NULL;

COMMENT ON TABLE inbox_message IS
    'Ledgerbox inbox: one row per received request, captured before the write; duplicates and rejections too.';
COMMENT ON COLUMN inbox_message.body IS 'The request body exactly as received (truncated past the source''s limit).';
COMMENT ON COLUMN inbox_message.body_sha256 IS 'SHA-256 of the whole body as received, hex, even when truncated.';
COMMENT ON COLUMN inbox_message.duplicate_of IS 'For DUPLICATE rows: the message first received with this key.';
