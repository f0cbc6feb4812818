-- Payments the payment provider reported through its webhook, one per provider delivery id:
-- the inbox's destination table, keyed by the same natural key as inbox_message.idempotency_key.
CREATE TABLE shop_payment (
    webhook_id  varchar(255)   PRIMARY KEY,
    order_id    bigint         NOT NULL REFERENCES shop_order (id),
    amount      numeric(12, 2) NOT NULL,
    recorded_at timestamptz    NOT NULL DEFAULT now()
);
