INSERT INTO {{.Table}} ({{join .Columns ", "}}, {{join .Folder ", "}})
SELECT {{join .Columns ", "}}, {{join .Values ", "}}
FROM {{.Stage}};
DROP TABLE {{.Stage}};
