DELETE FROM {{.Ledger}} WHERE target = {{lit .TargetKey}} AND lake_partition IN ({{range $i, $p := .PartitionPaths}}{{if $i}}, {{end}}{{lit $p}}{{end}});
