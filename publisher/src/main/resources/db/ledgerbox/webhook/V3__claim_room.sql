-- Ledgerbox webhooks, schema version 3: room on each page for a claim.
--
-- The dispatcher's claim writes only columns no index names (claimed_by, lease_until, attempts; the
-- status stays PENDING or FAILED while a delivery is held), so with room on the page for the new
-- version PostgreSQL makes it a HOT update: no new entry in any of webhook_delivery's B-trees. A
-- claim takes many deliveries of a page together, so pages are filled to half by inserts (70 %
-- before, which left the claim no room it could use: it set the status, an indexed column). A
-- database that would rather keep the table small can set the fillfactor back to 100; only the
-- claims' cost changes. The setting applies to pages filled from now on.
ALTER TABLE webhook_delivery SET (fillfactor = 50);
