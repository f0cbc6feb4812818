-- Ledgerbox audit log, schema version 9: a seal's entries stored as bytes.
--
-- A seal listed its rows' entries as a text[] of 64 hex characters each (row_hashes): about 65 kB
-- for a seal of 1,000 rows, which PostgreSQL parsed element by element at every insert and wrote
-- to the WAL beside the rows themselves. New seals list them in entries instead: the 32 bytes of
-- each entry, one after the other, in audit_ids' order (32 kB for 1,000 rows, no parsing). What a
-- seal means is unchanged: its hash is still sha256(prev_hash || the entries as hex, in order).
--
-- Seals written before this version keep their row_hashes; a seal has one or the other.
-- ledgerbox_audit_seal_entry(seal, n) gives the n-th entry as hex from either, for the verifier
-- and for checks by hand.
ALTER TABLE audit_seal
    ADD COLUMN entries bytea,
    ALTER COLUMN row_hashes DROP NOT NULL,
    DROP CONSTRAINT audit_seal_arrays_check,
    ADD CONSTRAINT audit_seal_arrays_check CHECK (
        cardinality(audit_ids) > 0 AND CASE
            WHEN entries IS NULL THEN cardinality(row_hashes) = cardinality(audit_ids)
            ELSE row_hashes IS NULL AND octet_length(entries) = 32 * cardinality(audit_ids)
        END);

-- sha256 hashes do not compress (see version 6): stored out of line as they are, which also lets
-- a read of one entry fetch only the part of the value that holds it.
ALTER TABLE audit_seal ALTER COLUMN entries SET STORAGE EXTERNAL;

COMMENT ON COLUMN audit_seal.entries IS
    'The entries of the rows in audit_ids, 32 bytes each in the same order (ledgerbox_audit_row_hash as bytes); null in seals written before audit schema 9, which list them in row_hashes';
COMMENT ON COLUMN audit_seal.row_hashes IS
    'The entries as hex, in seals written before audit schema 9; null in later ones (entries)';

-- The n-th entry (1-based, as unnest(audit_ids) WITH ORDINALITY numbers them) of a seal, as hex,
-- whichever form the seal stores: what ledgerbox_audit_row_hash(row) must equal for the n-th row.
CREATE FUNCTION ledgerbox_audit_seal_entry(s audit_seal, n bigint) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN s.entries IS NULL THEN s.row_hashes[n]
        ELSE encode(substring(s.entries FROM ((n - 1) * 32 + 1)::integer FOR 32), 'hex')
    END
$$;
