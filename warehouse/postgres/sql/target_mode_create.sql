CREATE TABLE IF NOT EXISTS {{.Modes}} (
    target        text        PRIMARY KEY,
    load_mode     text        NOT NULL,
    key_columns   text        NOT NULL,
    cursor_column text        NOT NULL,
    recorded_at   timestamptz NOT NULL
);
