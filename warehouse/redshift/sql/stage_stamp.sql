UPDATE {{.Table}} SET "_lakectl_file" = {{.Ordinal}} WHERE "_lakectl_file" IS NULL;
