-- Named secrets: the KEY=VALUE pairs as JSON, encrypted with AES-256-GCM under the key in
-- $PORTICO_HOME/secret.key; sealed = 12-byte nonce followed by ciphertext and tag.
CREATE TABLE secrets (
    name       TEXT    PRIMARY KEY,
    sealed     BLOB    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Named volumes; the files live in $PORTICO_HOME/volumes/<name>.
CREATE TABLE volumes (
    name       TEXT    PRIMARY KEY,
    created_at INTEGER NOT NULL
);
