INSERT INTO {{.Target}} ({{join .Columns ", "}})
SELECT {{join .Columns ", "}} FROM {{.Stage}};
