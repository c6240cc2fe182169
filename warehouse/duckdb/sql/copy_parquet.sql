INSERT INTO {{.Table}} ({{join .Columns ", "}})
SELECT {{join .Select ", "}}
FROM read_parquet([{{range $i, $p := .Paths}}{{if $i}}, {{end}}{{lit $p}}{{end}}], hive_partitioning = false{{if .RowNumbers}}, file_row_number = true{{end}})
{{- if .Ranges}}
WHERE {{range $i, $r := .Ranges}}{{if $i}} OR {{end}}(file_row_number >= {{$r.Start}} AND file_row_number < {{$r.End}}){{end}}
{{- end}};
