TRUNCATE {{.Target}};
