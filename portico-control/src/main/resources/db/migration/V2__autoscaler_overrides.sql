-- Settings changed with update_autoscaler, per server of an app. A deploy of the app deletes them:
-- the new version runs with the settings of its spec.
CREATE TABLE autoscaler_overrides (
    app_id   INTEGER NOT NULL REFERENCES apps (id),
    server   TEXT    NOT NULL,
    settings TEXT    NOT NULL,
    PRIMARY KEY (app_id, server)
);
