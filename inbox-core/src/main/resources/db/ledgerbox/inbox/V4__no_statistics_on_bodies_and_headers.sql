-- Ledgerbox inbox, schema version 4: ANALYZE no longer gathers statistics on what was received and
-- answered (headers, body, the body's hash, the response).
--
-- Autovacuum analyzes inbox_message after every tenth of its size in changed rows; for a jsonb or
-- a long column ANALYZE sorts its sample of up to 30,000 values with the column's comparison:
-- 230 ms of the database's CPU on 200,000 messages, 100 ms without these columns. No query of
-- Ledgerbox filters on them; the plans rest on the source, key, status and time keys, whose
-- statistics stay. A deployment that wants them back can SET STATISTICS -1.
ALTER TABLE inbox_message
    ALTER COLUMN headers SET STATISTICS 0,
    ALTER COLUMN body SET STATISTICS 0,
    ALTER COLUMN body_sha256 SET STATISTICS 0,
    ALTER COLUMN response_body SET STATISTICS 0;
