-- Signing secrets are stored sealed (AES-256-GCM, 'lbx:v1:KEY-ID:...', see SecretBox) or, where so
-- configured, in clear ('whsec_...').
ALTER TABLE webhook_secret DROP CONSTRAINT webhook_secret_secret_check;
ALTER TABLE webhook_secret ADD CONSTRAINT webhook_secret_secret_check
    CHECK (secret LIKE 'whsec\_%' OR secret LIKE 'lbx:v1:%');
