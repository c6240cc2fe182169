CREATE TABLE IF NOT EXISTS {{.Ledger}} (
    target             text        NOT NULL,
    file_key           text        NOT NULL,
    leaf_key           text        NOT NULL,
    lake_partition     text        NOT NULL,
    file_size          bigint      NOT NULL,
    file_etag          text        NOT NULL,
    row_count          bigint      NOT NULL,
    schema_fingerprint text        NOT NULL,
    load_id            text        NOT NULL,
    loaded_at          timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS lakectl_loads_target ON {{.Ledger}} (target, file_key);
CREATE TABLE IF NOT EXISTS {{.Targets}} (
    target             text        PRIMARY KEY,
    schema_json        text        NOT NULL,
    schema_fingerprint text        NOT NULL,
    updated_at         timestamptz NOT NULL
);
