SELECT schema_json FROM {{.Targets}} WHERE target = {{lit .TargetKey}};
