SELECT count(*) FROM information_schema.tables WHERE table_schema = {{lit .TargetSchema}} AND table_name = {{lit .TargetName}};
