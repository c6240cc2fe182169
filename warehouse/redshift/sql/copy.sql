COPY {{.Table}} ({{join .Columns ", "}})
FROM {{lit .ManifestURL}}
IAM_ROLE {{lit .IAMRole}}
FORMAT AS PARQUET
MANIFEST;
