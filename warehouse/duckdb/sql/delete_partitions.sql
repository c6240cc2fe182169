DELETE FROM {{.Target}} WHERE
{{- range $i, $p := .Partitions}}{{if $i}} OR{{end}}
    ({{join $p.Conditions " AND "}})
{{- end}};
