CREATE SCHEMA IF NOT EXISTS {{ident .TargetSchema}};
