CREATE TABLE IF NOT EXISTS {{.Modes}} (
    target        VARCHAR     PRIMARY KEY,
    load_mode     VARCHAR     NOT NULL,
    key_columns   VARCHAR     NOT NULL,
    cursor_column VARCHAR     NOT NULL,
    recorded_at   TIMESTAMPTZ NOT NULL
);
