SELECT column_name::text FROM information_schema.columns WHERE table_schema = {{lit .TargetSchema}} AND table_name = {{lit .TargetName}} ORDER BY ordinal_position;
