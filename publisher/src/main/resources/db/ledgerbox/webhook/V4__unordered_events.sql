-- Ledgerbox webhooks, schema version 4: deliveries of events written unordered.
--
-- An outbox event written unordered has no aggregate_seq (outbox schema 6); its message and
-- deliveries keep it NULL. The claim's order check compares numbers ("an earlier delivery of this
-- aggregate is still open"), and NULL compares to nothing: such a delivery is claimed as soon as
-- it is due and holds back none of its aggregate's numbered deliveries. Catalogue change only.
ALTER TABLE webhook_message ALTER COLUMN aggregate_seq DROP NOT NULL;
ALTER TABLE webhook_delivery ALTER COLUMN aggregate_seq DROP NOT NULL;
