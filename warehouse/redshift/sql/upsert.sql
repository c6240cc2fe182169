DELETE FROM {{.Target}} USING (SELECT DISTINCT {{join .Key ", "}} FROM {{.Stage}}) s
WHERE {{joinon .Target "s" .Key}};
INSERT INTO {{.Target}} ({{join .Columns ", "}})
SELECT {{join .Columns ", "}} FROM (
    SELECT {{join .Columns ", "}}, ROW_NUMBER() OVER (
        PARTITION BY {{join .Key ", "}}
        ORDER BY {{if .Cursor}}{{.Cursor}} DESC NULLS LAST, {{end}}"_lakectl_file" DESC, {{.SeqColumn}} DESC) AS lakectl_rn
    FROM {{.Stage}}
) d
WHERE lakectl_rn = 1{{if .OpColumn}} AND ({{.OpColumn}} IS NULL OR {{.OpColumn}} <> 'd'){{end}};
