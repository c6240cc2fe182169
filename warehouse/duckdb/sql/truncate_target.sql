DELETE FROM {{.Target}};
