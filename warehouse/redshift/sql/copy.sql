COPY {{.Table}} ({{join .Columns ", "}})
FROM {{lit .ManifestURL}}
IAM_ROLE {{if eq .IAMRole "default" "DEFAULT" "Default"}}default{{else}}{{lit .IAMRole}}{{end}}
FORMAT AS PARQUET
MANIFEST;
