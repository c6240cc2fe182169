INSERT INTO {{.Table}} ({{join .Columns ", "}}) VALUES
{{- range $i, $r := .Rows}}{{if $i}},{{end}}
({{join $r ", "}})
{{- end}};
