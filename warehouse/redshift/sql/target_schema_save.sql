DELETE FROM {{.Targets}} WHERE target = {{lit .TargetKey}};
INSERT INTO {{.Targets}} (target, schema_json, schema_fingerprint, updated_at) VALUES ({{join (index .Rows 0) ", "}}, CURRENT_TIMESTAMP);
