CREATE TABLE IF NOT EXISTS {{.Ledger}} (
    target             VARCHAR(512)  NOT NULL,
    file_key           VARCHAR(1024) NOT NULL,
    leaf_key           VARCHAR(1024) NOT NULL,
    lake_partition     VARCHAR(1024) NOT NULL,
    file_size          BIGINT        NOT NULL,
    file_etag          VARCHAR(256)  NOT NULL,
    row_count          BIGINT        NOT NULL,
    schema_fingerprint VARCHAR(64)   NOT NULL,
    load_id            VARCHAR(64)   NOT NULL,
    loaded_at          TIMESTAMPTZ   NOT NULL
)
DISTSTYLE ALL
SORTKEY (target, file_key);
CREATE TABLE IF NOT EXISTS {{.Targets}} (
    target             VARCHAR(512)   NOT NULL,
    schema_json        VARCHAR(65535) NOT NULL,
    schema_fingerprint VARCHAR(64)    NOT NULL,
    updated_at         TIMESTAMPTZ    NOT NULL
)
DISTSTYLE ALL;
