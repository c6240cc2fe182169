{{- if .SeqColumn}}
-- Upsert: rows of each file are stamped with the file's position in the
-- load ("_lakectl_file", set after its COPY: files are in commit order)
-- and numbered as they are read (IDENTITY; a file under 128 MB is read by
-- one slice), so that the latest version of a key wins.
CREATE TEMP TABLE {{.Stage}} (
{{- range .StageColumns}}
    {{.}},
{{- end}}
    "_lakectl_file" BIGINT,
    {{.SeqColumn}} BIGINT IDENTITY(0, 1)
);
{{- else}}
CREATE TEMP TABLE {{.Stage}} (LIKE {{.Target}});
{{- end}}
