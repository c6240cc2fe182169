INSERT INTO {{.Ledger}} (target, file_key, leaf_key, lake_partition, file_size, file_etag, row_count, schema_fingerprint, load_id, loaded_at) VALUES
{{- range $i, $r := .Rows}}{{if $i}},{{end}}
({{join $r ", "}}, CURRENT_TIMESTAMP)
{{- end}};
