INSERT INTO {{.Table}} ({{join .Columns ", "}}) VALUES (...)
{{- range .Files}}
-- {{.Key}}: {{.SelectedRows}} rows in statements of {{$.Batch}} rows{{if .Ranges}}, row ranges{{range .Ranges}} [{{.Start}},{{.End}}){{end}}{{end}}
{{- end}}
