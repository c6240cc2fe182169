CREATE TEMP TABLE {{.Stage}} (LIKE {{.Target}});
