-- Ledgerbox webhooks, schema version 8: ANALYZE no longer gathers statistics on what was sent and
-- received (bodies, headers, the body's hash).
--
-- Autovacuum analyzes a table after every tenth of its size in changed rows; for a jsonb or a long
-- text column ANALYZE sorts its sample of up to 30,000 values with the column's comparison.
-- webhook_attempt, 200,000 attempts: 230 ms of the database's CPU, 110 ms without these columns.
-- No query of Ledgerbox filters on them; the plans rest on the delivery, endpoint, event and time
-- keys, whose statistics stay. A deployment that wants them back can SET STATISTICS -1.
ALTER TABLE webhook_attempt
    ALTER COLUMN request_headers SET STATISTICS 0,
    ALTER COLUMN request_body_sha256 SET STATISTICS 0,
    ALTER COLUMN response_headers SET STATISTICS 0,
    ALTER COLUMN response_body SET STATISTICS 0;
ALTER TABLE webhook_message ALTER COLUMN body SET STATISTICS 0;
