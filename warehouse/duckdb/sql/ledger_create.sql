CREATE TABLE IF NOT EXISTS {{.Ledger}} (
    target             VARCHAR     NOT NULL,
    file_key           VARCHAR     NOT NULL,
    leaf_key           VARCHAR     NOT NULL,
    lake_partition     VARCHAR     NOT NULL,
    file_size          BIGINT      NOT NULL,
    file_etag          VARCHAR     NOT NULL,
    row_count          BIGINT      NOT NULL,
    schema_fingerprint VARCHAR     NOT NULL,
    load_id            VARCHAR     NOT NULL,
    loaded_at          TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS {{.Targets}} (
    target             VARCHAR     PRIMARY KEY,
    schema_json        VARCHAR     NOT NULL,
    schema_fingerprint VARCHAR     NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);
