-- Proxy tokens (Modal-Key / Modal-Secret). Only a SHA-256 of the secret is kept: secrets are 256
-- random bits, so a fast hash is as strong as a slow one and keeps the proxy's check in
-- microseconds.
CREATE TABLE tokens (
    key         TEXT    PRIMARY KEY,
    secret_hash TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

-- Environments a token may reach under RBAC; a token with no row here reaches every environment.
CREATE TABLE token_scopes (
    token_key   TEXT NOT NULL REFERENCES tokens (key),
    environment TEXT NOT NULL REFERENCES environments (name),
    PRIMARY KEY (token_key, environment)
);

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO settings (name, value) VALUES ('rbac', 'off');
