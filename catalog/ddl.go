package catalog

import (
	"fmt"
	"math"
	"strings"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/lake/schema"
)

// VARCHAR sizing for Redshift, whose VARCHAR length is in bytes.
const (
	DefaultVarcharBytes    = 256   // when a column's maximum byte length is unknown
	MaxVarcharBytes        = 65535 // Redshift's VARCHAR limit
	DefaultVarcharHeadroom = 0.25  // added to an observed maximum when VarcharHeadroom is 0
	DefaultVarbyteBytes    = 65535 // Redshift VARBYTE when the maximum is unknown
	maxVarbyteBytes        = 1024000
)

// DDLOptions shape the CREATE TABLE statement.
type DDLOptions struct {
	// Schema qualifies the table name (database for Athena).
	Schema string
	// IfNotExists adds IF NOT EXISTS.
	IfNotExists bool
	// Location is the Athena table location, the s3:// URL of tables/<t>/.
	// Required for Athena.
	Location string
	// Partitions are the table's Hive partition columns. Athena declares
	// them in PARTITIONED BY (with projection for time partitions); the
	// other dialects add the folder columns (values only in folder names,
	// as other tools write dt=.../) after the files' columns.
	Partitions []Partition
	// DistKey and SortKey are Redshift's DISTKEY column and COMPOUND
	// SORTKEY columns.
	DistKey string
	SortKey []string
	// VarcharBytes is the observed maximum byte length per column (by
	// name, case-insensitive), for Redshift VARCHAR and VARBYTE sizing.
	VarcharBytes map[string]int
	// VarcharHeadroom is the fraction added to an observed maximum
	// (0: DefaultVarcharHeadroom; negative: none).
	VarcharHeadroom float64
	// JSONAsSuper makes JSON columns SUPER in Redshift instead of
	// VARCHAR(65535). SUPER needs COPY ... SERIALIZETOJSON.
	JSONAsSuper bool
	// PlainTimestamp makes timestamp columns TIMESTAMP (no time zone) in
	// Redshift, PostgreSQL and DuckDB instead of TIMESTAMPTZ. The lake's
	// timestamps are UTC instants, so TIMESTAMPTZ is the default.
	PlainTimestamp bool
}

// DDL returns the statement that creates table with schema s in dialect d,
// ending in ";" and a newline. Columns keep the schema's order (Redshift
// COPY maps Parquet columns by position).
func DDL(d Dialect, table string, s schema.Schema, opts DDLOptions) (string, error) {
	if err := s.Validate(); err != nil {
		return "", fmt.Errorf("ddl for table %s: %w", table, err)
	}
	if table == "" {
		return "", input.Errorf("ddl: no table name")
	}
	switch d {
	case Redshift:
		return redshiftDDL(table, WithFolderColumns(s, opts.Partitions), opts)
	case Athena:
		return athenaDDL(table, s, opts)
	case Postgres, DuckDB:
		return createTable(d, table, WithFolderColumns(s, opts.Partitions).Columns, opts) + ";\n", nil
	}
	_, err := ParseDialect(string(d))
	return "", err
}

// ColumnType is the dialect's type for a column.
func ColumnType(d Dialect, c schema.Column, opts DDLOptions) (string, error) {
	switch d {
	case Redshift, Athena, Postgres, DuckDB:
		return sqlType(d, c, opts), nil
	}
	_, err := ParseDialect(string(d))
	return "", err
}

// sqlType is the type of column c in dialect d, one of the four dialects.
func sqlType(d Dialect, c schema.Column, opts DDLOptions) string {
	t := c.Type
	if d == Redshift {
		// Redshift sizes VARCHAR and VARBYTE in bytes.
		switch {
		case t.Kind == schema.String:
			return fmt.Sprintf("VARCHAR(%d)", varcharBytes(c.Name, opts, DefaultVarcharBytes, MaxVarcharBytes))
		case t.Kind == schema.Bytes:
			return fmt.Sprintf("VARBYTE(%d)", varcharBytes(c.Name, opts, DefaultVarbyteBytes, maxVarbyteBytes))
		case t.Kind == schema.JSON && opts.JSONAsSuper:
			return "SUPER"
		}
	}
	names := kindTypes(t.Kind, opts)
	var name string
	switch d {
	case Redshift:
		name = names.redshift
	case Athena:
		name = names.athena
	case Postgres:
		name = names.postgres
	case DuckDB:
		name = names.duckdb
	}
	if t.Kind == schema.Decimal {
		name += fmt.Sprintf("(%d,%d)", t.Precision, t.Scale)
	}
	return name
}

// dialectTypes are one kind's type in each dialect.
type dialectTypes struct{ redshift, athena, postgres, duckdb string }

// kindTypes is the table of each kind's type per dialect, one row a kind
// so that the dialects read side by side and none misses a kind. Decimal
// rows are completed with (precision,scale); Redshift's String, Bytes and
// SUPER types depend on the column and are sized by sqlType.
func kindTypes(k schema.Kind, opts DDLOptions) dialectTypes {
	switch k {
	case schema.Bool:
		return dialectTypes{"BOOLEAN", "boolean", "boolean", "BOOLEAN"}
	case schema.Int8:
		return dialectTypes{"SMALLINT", "tinyint", "smallint", "TINYINT"}
	case schema.Int16:
		return dialectTypes{"SMALLINT", "smallint", "smallint", "SMALLINT"}
	case schema.Int32:
		return dialectTypes{"INTEGER", "int", "integer", "INTEGER"}
	case schema.Int64:
		return dialectTypes{"BIGINT", "bigint", "bigint", "BIGINT"}
	case schema.Uint8:
		return dialectTypes{"SMALLINT", "smallint", "smallint", "UTINYINT"}
	case schema.Uint16:
		return dialectTypes{"INTEGER", "int", "integer", "USMALLINT"}
	case schema.Uint32:
		return dialectTypes{"BIGINT", "bigint", "bigint", "UINTEGER"}
	case schema.Uint64:
		return dialectTypes{"DECIMAL(20,0)", "decimal(20,0)", "numeric(20,0)", "UBIGINT"}
	case schema.Float32:
		return dialectTypes{"REAL", "float", "real", "REAL"}
	case schema.Float64:
		return dialectTypes{"DOUBLE PRECISION", "double", "double precision", "DOUBLE"}
	case schema.Decimal:
		return dialectTypes{"DECIMAL", "decimal", "numeric", "DECIMAL"}
	case schema.Bytes:
		return dialectTypes{"VARBYTE", "binary", "bytea", "BLOB"}
	case schema.Date:
		return dialectTypes{"DATE", "date", "date", "DATE"}
	case schema.Timestamp:
		if opts.PlainTimestamp {
			return dialectTypes{"TIMESTAMP", "timestamp", "timestamp", "TIMESTAMP"}
		}
		return dialectTypes{"TIMESTAMPTZ", "timestamp", "timestamptz", "TIMESTAMPTZ"}
	case schema.Time:
		// Hive has no TIME type; Parquet TIME(MICROS) is an int64 of
		// microseconds since midnight.
		return dialectTypes{"TIME", "bigint", "time", "TIME"}
	case schema.JSON:
		return dialectTypes{fmt.Sprintf("VARCHAR(%d)", MaxVarcharBytes), "string", "jsonb", "JSON"}
	}
	// String, and any kind a newer lake may add.
	return dialectTypes{fmt.Sprintf("VARCHAR(%d)", DefaultVarcharBytes), "string", "text", "VARCHAR"}
}

// createTable is "CREATE [EXTERNAL] TABLE [IF NOT EXISTS] name (", one
// "  name TYPE [NOT NULL]" line a column, and the closing parenthesis; the
// caller ends the statement. Athena's tables are external, over the lake's
// files, and have no NOT NULL.
func createTable(d Dialect, table string, cols []schema.Column, opts DDLOptions) string {
	var b strings.Builder
	b.WriteString("CREATE ")
	if d == Athena {
		b.WriteString("EXTERNAL ")
	}
	b.WriteString("TABLE ")
	if opts.IfNotExists {
		b.WriteString("IF NOT EXISTS ")
	}
	b.WriteString(qualified(d, opts.Schema, table) + " (\n")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(",\n")
		}
		b.WriteString("  " + quoteIdent(d, c.Name) + " " + sqlType(d, c, opts))
		if d != Athena && !c.Nullable {
			b.WriteString(" NOT NULL")
		}
	}
	b.WriteString("\n)")
	return b.String()
}

// varcharBytes sizes a Redshift VARCHAR/VARBYTE: the observed maximum plus
// headroom, capped; def when nothing (or zero) was observed.
func varcharBytes(col string, opts DDLOptions, def, limit int) int {
	observed := 0
	for k, v := range opts.VarcharBytes {
		if strings.EqualFold(k, col) {
			observed = v
		}
	}
	if observed <= 0 {
		return def
	}
	h := opts.VarcharHeadroom
	if h == 0 {
		h = DefaultVarcharHeadroom
	}
	if h < 0 {
		h = 0
	}
	n := int(math.Ceil(float64(observed) * (1 + h)))
	return min(max(n, observed, 1), limit)
}
