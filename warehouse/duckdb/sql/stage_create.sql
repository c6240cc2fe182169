CREATE TEMP TABLE {{.Stage}} AS SELECT * FROM {{.Target}} LIMIT 0;
{{- if .SeqColumn}}
ALTER TABLE {{.Stage}} ADD COLUMN {{.SeqColumn}} BIGINT;
{{- end}}
