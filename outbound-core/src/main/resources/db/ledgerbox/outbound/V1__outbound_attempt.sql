-- Ledgerbox outbound capture: one row per wire-level attempt of the application's own calls to third
-- parties (a payment provider, an email service, a partner API). Written outside the business
-- transaction by a background writer, so that a rolled-back transaction keeps the evidence of a
-- call that went out: the request's fields first, the response's when it returns (or the error when
-- none did). The columns that a webhook attempt also has carry the names of webhook_attempt.

CREATE TABLE outbound_attempt (
    -- time-ordered (UUID version 7): the key grows at its right edge, like a sequence
    attempt_id            uuid         PRIMARY KEY,
    -- the logical call: destination:key when the caller gives a business key, generated otherwise;
    -- stable across the call's retries and sent as the Idempotency-Key where the destination takes it
    correlation_id        varchar(512) NOT NULL,
    call_id               uuid         NOT NULL,
    destination           varchar(255) NOT NULL,
    call_key              varchar(255),
    attempt               integer      NOT NULL CHECK (attempt >= 1),
    transport             varchar(32)  NOT NULL,

    -- the request, as it went on the wire (credentials and configured body fields redacted)
    request_method        varchar(16)  NOT NULL,
    request_url           text         NOT NULL,
    request_headers       jsonb        NOT NULL,
    request_body          text,
    request_body_sha256   char(64),
    request_bytes         integer,
    request_truncated     boolean      NOT NULL DEFAULT false,
    idempotency_key       varchar(512),
    requested_at          timestamptz  NOT NULL,

    -- the response, or the error when none came back (refused, timeout, reset, no response at all)
    responded_at          timestamptz,
    duration_ms           integer,
    response_status       integer,
    response_headers      jsonb,
    response_body         text,
    response_truncated    boolean,
    provider_request_id   varchar(255),
    error_class           text,
    error_message         text,
    error_code            varchar(32),

    -- what made the call: the business request's correlation id and trace
    origin_correlation_id varchar(255),
    trace_id              char(32),
    span_id               char(16)
) WITH (fillfactor = 85); -- most rows are written whole; room for completing the longer calls' (HOT)

-- a call made with a business key is found by its correlation id, destination:key
CREATE INDEX outbound_attempt_correlation ON outbound_attempt (correlation_id, requested_at);
CREATE INDEX outbound_attempt_origin ON outbound_attempt (origin_correlation_id) WHERE origin_correlation_id IS NOT NULL;
CREATE INDEX outbound_attempt_requested ON outbound_attempt USING brin (requested_at);

COMMENT ON TABLE outbound_attempt IS
    'One row per wire-level attempt of the application''s own calls to third parties (Ledgerbox outbound capture)';
