SELECT load_mode, key_columns, cursor_column FROM {{.Modes}} WHERE target = {{lit .TargetKey}};
