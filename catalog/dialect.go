package catalog

import (
	"strings"

	"github.com/lakectl/lakectl/internal/input"
)

// Dialect is a SQL engine the catalog writes DDL for.
type Dialect string

// The dialects lakectl writes DDL for.
const (
	Redshift Dialect = "redshift"
	Athena   Dialect = "athena"
	Postgres Dialect = "postgres"
	DuckDB   Dialect = "duckdb"
)

// Dialects lists every dialect, for help texts and completions.
func Dialects() []Dialect { return []Dialect{Redshift, Athena, Postgres, DuckDB} }

// ParseDialect reads a dialect name (case-insensitive; "postgresql" and
// "glue" are accepted as aliases). An unknown name is a usage error.
func ParseDialect(s string) (Dialect, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "redshift":
		return Redshift, nil
	case "athena", "glue":
		return Athena, nil
	case "postgres", "postgresql", "pg":
		return Postgres, nil
	case "duckdb":
		return DuckDB, nil
	}
	return "", input.Errorf("unknown SQL dialect %q: use one of redshift, athena, postgres, duckdb", s)
}

// quoteIdent quotes one identifier for the dialect: backticks in Athena's
// Hive DDL, double quotes elsewhere, the quote character doubled inside.
func quoteIdent(d Dialect, name string) string {
	if d == Athena {
		return "`" + strings.ReplaceAll(name, "`", "``") + "`"
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// qualified is [schema.]table, each part quoted.
func qualified(d Dialect, schemaName, table string) string {
	if schemaName == "" {
		return quoteIdent(d, table)
	}
	return quoteIdent(d, schemaName) + "." + quoteIdent(d, table)
}
