CREATE TEMP TABLE {{.Stage}} (LIKE {{.Target}}) ON COMMIT DROP;
{{- if .SeqColumn}}
ALTER TABLE {{.Stage}} ADD COLUMN {{.SeqColumn}} bigint;
{{- end}}
