CREATE TEMP TABLE {{.Stage}} (LIKE {{.Table}});
