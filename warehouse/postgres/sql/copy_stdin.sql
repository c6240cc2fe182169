COPY {{.Table}} ({{join .Columns ", "}}) FROM STDIN (FORMAT binary)
{{- range .Files}}
-- {{.Key}}: {{.SelectedRows}} rows{{if .Ranges}}, row ranges{{range .Ranges}} [{{.Start}},{{.End}}){{end}}{{end}}
{{- end}}
