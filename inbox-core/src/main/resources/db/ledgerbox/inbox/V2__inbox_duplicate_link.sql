-- Ledgerbox inbox, schema version 2: a duplicate's link to the first message, without a foreign key.
--
-- The foreign key's check locked the first message's row for every duplicate (FOR KEY SHARE): a
-- write to an old page, in the WAL often as a full-page image, on the path of every duplicate.
-- What its ON DELETE SET NULL did, the retention purge now does: it clears the links to the
-- messages it deletes.
ALTER TABLE inbox_message DROP CONSTRAINT inbox_message_duplicate_of_fkey;

COMMENT ON COLUMN inbox_message.duplicate_of IS
    'For DUPLICATE rows: the message first received with this key (NULL once retention deleted it).';
