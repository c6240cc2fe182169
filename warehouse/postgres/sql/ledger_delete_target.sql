DELETE FROM {{.Ledger}} WHERE target = {{lit .TargetKey}};
