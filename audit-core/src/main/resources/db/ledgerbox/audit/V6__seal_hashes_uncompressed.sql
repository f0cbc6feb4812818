-- Ledgerbox audit log, schema version 6: a seal's row hashes are stored without compression.
--
-- A seal lists its rows' hashes (row_hashes, 64 hex characters each, about 65 kB for a seal of
-- 1,000 rows). With the default storage PostgreSQL tried to compress every seal's array before
-- storing it out of line, and gave up: sha256 hashes do not compress. The attempt cost more than
-- the rest of the insert (about 1.9 against 0.6 us a row sealed, measured alone). The hashes are
-- now stored out of line as they are; the stored bytes are the same. audit_ids keeps the default:
-- a chain's ids are close to each other and their array compresses to about 40 %.
ALTER TABLE audit_seal ALTER COLUMN row_hashes SET STORAGE EXTERNAL;
