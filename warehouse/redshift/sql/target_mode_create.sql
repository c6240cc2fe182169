CREATE TABLE IF NOT EXISTS {{.Modes}} (
    target        VARCHAR(512)  NOT NULL,
    load_mode     VARCHAR(16)   NOT NULL,
    key_columns   VARCHAR(4096) NOT NULL,
    cursor_column VARCHAR(512)  NOT NULL,
    recorded_at   TIMESTAMPTZ   NOT NULL
)
DISTSTYLE ALL;
