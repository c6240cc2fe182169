INSERT INTO {{.Modes}} (target, load_mode, key_columns, cursor_column, recorded_at) VALUES ({{join (index .Rows 0) ", "}}, CURRENT_TIMESTAMP);
