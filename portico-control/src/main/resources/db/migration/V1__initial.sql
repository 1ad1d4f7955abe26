-- Portico's durable state. Times are epoch milliseconds.

CREATE TABLE environments (
    name       TEXT    PRIMARY KEY,
    created_at INTEGER NOT NULL
);
INSERT INTO environments (name, created_at) VALUES ('main', 0);

-- Content-addressed deploy artifacts; the bytes live in $PORTICO_HOME/artifacts/<sha256>.jar.
CREATE TABLE artifacts (
    sha256     TEXT    PRIMARY KEY,
    size       INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE apps (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    environment    TEXT    NOT NULL REFERENCES environments (name),
    name           TEXT    NOT NULL,
    active_version INTEGER,
    stopped        INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    UNIQUE (environment, name)
);

-- status: DEPLOYING, ACTIVE, SUPERSEDED, FAILED.
CREATE TABLE versions (
    app_id     INTEGER NOT NULL REFERENCES apps (id),
    number     INTEGER NOT NULL,
    artifact   TEXT    NOT NULL REFERENCES artifacts (sha256),
    strategy   TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    reason     TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (app_id, number)
);

-- One row per server of a version; spec is the ServerSpec as JSON.
CREATE TABLE servers (
    app_id  INTEGER NOT NULL,
    version INTEGER NOT NULL,
    name    TEXT    NOT NULL,
    spec    TEXT    NOT NULL,
    PRIMARY KEY (app_id, version, name),
    FOREIGN KEY (app_id, version) REFERENCES versions (app_id, number)
);

-- state: STARTING, READY, DRAINING, STOPPING, STOPPED, FAILED.
CREATE TABLE containers (
    id         TEXT    PRIMARY KEY,
    app_id     INTEGER NOT NULL REFERENCES apps (id),
    version    INTEGER NOT NULL,
    server     TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    address    TEXT,
    reason     TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX containers_by_server ON containers (app_id, server);
CREATE INDEX containers_by_state ON containers (state);

CREATE TABLE container_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    container_id TEXT    NOT NULL REFERENCES containers (id),
    at           INTEGER NOT NULL,
    state        TEXT    NOT NULL,
    reason       TEXT
);
CREATE INDEX container_events_by_container ON container_events (container_id);
