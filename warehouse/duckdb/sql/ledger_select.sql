SELECT file_key, leaf_key FROM {{.Ledger}} WHERE target = {{lit .TargetKey}};
