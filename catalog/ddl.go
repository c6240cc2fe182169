package catalog

import (
	"fmt"
	"math"
	"strings"

	"github.com/lakectl/lakectl/internal/clierr"
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
	// other dialects create tables from the files' columns only.
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
		return "", clierr.Usagef("ddl: no table name")
	}
	switch d {
	case Redshift:
		return redshiftDDL(table, s, opts)
	case Athena:
		return athenaDDL(table, s, opts)
	case Postgres, DuckDB:
		return plainDDL(d, table, s, opts)
	}
	_, err := ParseDialect(string(d))
	return "", err
}

// ColumnType is the dialect's type for a column.
func ColumnType(d Dialect, c schema.Column, opts DDLOptions) (string, error) {
	t := c.Type
	switch d {
	case Redshift:
		return redshiftType(c, opts), nil
	case Athena:
		return athenaType(t), nil
	case Postgres:
		return postgresType(t, opts), nil
	case DuckDB:
		return duckdbType(t, opts), nil
	}
	_, err := ParseDialect(string(d))
	return "", err
}

// columnList writes "  name TYPE [NOT NULL]" lines.
func columnList(d Dialect, cols []schema.Column, opts DDLOptions, notNull bool) (string, error) {
	lines := make([]string, 0, len(cols))
	for _, c := range cols {
		typ, err := ColumnType(d, c, opts)
		if err != nil {
			return "", err
		}
		line := "  " + quoteIdent(d, c.Name) + " " + typ
		if notNull && !c.Nullable {
			line += " NOT NULL"
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, ",\n"), nil
}

func createHead(d Dialect, kind, table string, opts DDLOptions) string {
	h := "CREATE " + kind + " "
	if opts.IfNotExists {
		h += "IF NOT EXISTS "
	}
	return h + qualified(d, opts.Schema, table) + " (\n"
}

// plainDDL is PostgreSQL's and DuckDB's CREATE TABLE.
func plainDDL(d Dialect, table string, s schema.Schema, opts DDLOptions) (string, error) {
	cols, err := columnList(d, s.Columns, opts, true)
	if err != nil {
		return "", err
	}
	return createHead(d, "TABLE", table, opts) + cols + "\n);\n", nil
}

func postgresType(t schema.Type, opts DDLOptions) string {
	switch t.Kind {
	case schema.Bool:
		return "boolean"
	case schema.Int8, schema.Int16, schema.Uint8:
		return "smallint"
	case schema.Int32, schema.Uint16:
		return "integer"
	case schema.Int64, schema.Uint32:
		return "bigint"
	case schema.Uint64:
		return "numeric(20,0)"
	case schema.Float32:
		return "real"
	case schema.Float64:
		return "double precision"
	case schema.Decimal:
		return fmt.Sprintf("numeric(%d,%d)", t.Precision, t.Scale)
	case schema.String:
		return "text"
	case schema.Bytes:
		return "bytea"
	case schema.Date:
		return "date"
	case schema.Timestamp:
		if opts.PlainTimestamp {
			return "timestamp"
		}
		return "timestamptz"
	case schema.Time:
		return "time"
	case schema.JSON:
		return "jsonb"
	}
	return "text"
}

func duckdbType(t schema.Type, opts DDLOptions) string {
	switch t.Kind {
	case schema.Bool:
		return "BOOLEAN"
	case schema.Int8:
		return "TINYINT"
	case schema.Int16:
		return "SMALLINT"
	case schema.Int32:
		return "INTEGER"
	case schema.Int64:
		return "BIGINT"
	case schema.Uint8:
		return "UTINYINT"
	case schema.Uint16:
		return "USMALLINT"
	case schema.Uint32:
		return "UINTEGER"
	case schema.Uint64:
		return "UBIGINT"
	case schema.Float32:
		return "REAL"
	case schema.Float64:
		return "DOUBLE"
	case schema.Decimal:
		return fmt.Sprintf("DECIMAL(%d,%d)", t.Precision, t.Scale)
	case schema.String:
		return "VARCHAR"
	case schema.Bytes:
		return "BLOB"
	case schema.Date:
		return "DATE"
	case schema.Timestamp:
		if opts.PlainTimestamp {
			return "TIMESTAMP"
		}
		return "TIMESTAMPTZ"
	case schema.Time:
		return "TIME"
	case schema.JSON:
		return "JSON"
	}
	return "VARCHAR"
}

func athenaType(t schema.Type) string {
	switch t.Kind {
	case schema.Bool:
		return "boolean"
	case schema.Int8:
		return "tinyint"
	case schema.Int16, schema.Uint8:
		return "smallint"
	case schema.Int32, schema.Uint16:
		return "int"
	case schema.Int64, schema.Uint32:
		return "bigint"
	case schema.Uint64:
		return "decimal(20,0)"
	case schema.Float32:
		return "float"
	case schema.Float64:
		return "double"
	case schema.Decimal:
		return fmt.Sprintf("decimal(%d,%d)", t.Precision, t.Scale)
	case schema.String, schema.JSON:
		return "string"
	case schema.Bytes:
		return "binary"
	case schema.Date:
		return "date"
	case schema.Timestamp:
		return "timestamp"
	case schema.Time:
		// Hive has no TIME type; Parquet TIME(MICROS) is an int64 of
		// microseconds since midnight.
		return "bigint"
	}
	return "string"
}

func redshiftType(c schema.Column, opts DDLOptions) string {
	t := c.Type
	switch t.Kind {
	case schema.Bool:
		return "BOOLEAN"
	case schema.Int8, schema.Int16, schema.Uint8:
		return "SMALLINT"
	case schema.Int32, schema.Uint16:
		return "INTEGER"
	case schema.Int64, schema.Uint32:
		return "BIGINT"
	case schema.Uint64:
		return "DECIMAL(20,0)"
	case schema.Float32:
		return "REAL"
	case schema.Float64:
		return "DOUBLE PRECISION"
	case schema.Decimal:
		return fmt.Sprintf("DECIMAL(%d,%d)", t.Precision, t.Scale)
	case schema.String:
		return fmt.Sprintf("VARCHAR(%d)", varcharBytes(c.Name, opts, DefaultVarcharBytes, MaxVarcharBytes))
	case schema.JSON:
		if opts.JSONAsSuper {
			return "SUPER"
		}
		return fmt.Sprintf("VARCHAR(%d)", MaxVarcharBytes)
	case schema.Bytes:
		return fmt.Sprintf("VARBYTE(%d)", varcharBytes(c.Name, opts, DefaultVarbyteBytes, maxVarbyteBytes))
	case schema.Date:
		return "DATE"
	case schema.Timestamp:
		if opts.PlainTimestamp {
			return "TIMESTAMP"
		}
		return "TIMESTAMPTZ"
	case schema.Time:
		return "TIME"
	}
	return fmt.Sprintf("VARCHAR(%d)", DefaultVarcharBytes)
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
