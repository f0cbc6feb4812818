CREATE TABLE shop_order (
    id       BIGSERIAL PRIMARY KEY,
    customer TEXT           NOT NULL,
    total    NUMERIC(12, 2) NOT NULL,
    status   TEXT           NOT NULL
);
