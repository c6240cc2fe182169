package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/lake/schema"
)

// conv says how the bytes of one column's text-protocol value become a
// schema.Value. Decided once per column from information_schema.
type conv uint8

const (
	convInt        conv = iota // signed integer of any width
	convUint                   // unsigned integer of any width (BIGINT UNSIGNED exact)
	convBool                   // TINYINT(1) when asked: 0 false, anything else true
	convBitBool                // BIT(1): one byte
	convBit                    // BIT(n): big-endian bytes into uint64
	convFloat32                // FLOAT
	convFloat64                // DOUBLE
	convDecimal                // DECIMAL(p<=18): hand-parsed into an int64 unscaled value
	convDecimalBig             // DECIMAL(19..38): through schema.ParseDecimal
	convString                 // text of any kind, ENUM, SET, JSON
	convBytes                  // binary strings and BLOBs
	convDate                   // DATE
	convDatetime               // DATETIME and TIMESTAMP, as UTC microseconds
	convTime                   // TIME, a signed duration in microseconds
	convYear                   // YEAR
)

// column is one source column: its lake column and its converter.
type column struct {
	schema.Column
	DataType   string // information_schema DATA_TYPE, lowercase
	ColumnType string // information_schema COLUMN_TYPE, lowercase
	Declared   string // COLUMN_TYPE as declared, for messages (ENUM values keep their case)
	conv       conv
	expr       string // what the SELECT reads instead of the column ("": the column)
}

// Values of Options.Spatial.
const (
	SpatialWKB = "wkb" // bytes: 4-byte little-endian SRID, then WKB (MySQL's own form)
	SpatialWKT = "wkt" // text: ST_AsText (the SRID is not kept)
)

// mapOptions are the choices of the type mapping.
type mapOptions struct {
	tinyInt1AsBool bool
	spatialWKT     bool
}

// selectExpr is what a SELECT reads for the column.
func (c *column) selectExpr() string {
	if c.expr != "" {
		return c.expr
	}
	return quoteIdent(c.Name)
}

// tableInfo is what information_schema says about the source table.
type tableInfo struct {
	DB, Name    string
	Columns     []column
	Key         []string // primary key, or a NOT NULL unique key, or none
	KeySource   string   // "primary key", "unique key NAME", "given key" or ""
	RowEstimate int64
}

// Column returns the source column named name (case-insensitive), or nil.
func (ti *tableInfo) column(name string) (int, *column) {
	for i := range ti.Columns {
		if strings.EqualFold(ti.Columns[i].Name, name) {
			return i, &ti.Columns[i]
		}
	}
	return -1, nil
}

// Schema is the lake schema of the extracted table, in source column order.
func (ti *tableInfo) Schema() schema.Schema {
	s := schema.Schema{Columns: make([]schema.Column, len(ti.Columns))}
	for i, c := range ti.Columns {
		s.Columns[i] = c.Column
	}
	return s
}

// describeTable reads the table's columns, key and row estimate from
// information_schema. An unknown database or table is a usage error.
func describeTable(ctx context.Context, db *sql.DB, dbName, table string, mo mapOptions) (*tableInfo, error) {
	ti := &tableInfo{DB: dbName, Name: table}
	var tableType string
	err := db.QueryRowContext(ctx,
		`SELECT TABLE_TYPE, COALESCE(TABLE_ROWS, 0) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`,
		dbName, table).Scan(&tableType, &ti.RowEstimate)
	if errors.Is(err, sql.ErrNoRows) {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?`, dbName).Scan(&n); err == nil && n == 0 {
			return nil, input.Errorf("database %q does not exist on the MySQL server (or the user may not see it)", dbName)
		}
		return nil, input.Errorf("table %s.%s does not exist (or the user may not read it)", dbName, table)
	}
	if err != nil {
		return nil, fmt.Errorf("read information_schema.TABLES for %s.%s: %w", dbName, table, err)
	}

	rows, err := db.QueryContext(ctx, `SELECT COLUMN_NAME, LOWER(DATA_TYPE), COLUMN_TYPE, IS_NULLABLE,
			COALESCE(NUMERIC_PRECISION, 0), COALESCE(NUMERIC_SCALE, 0), COALESCE(CHARACTER_SET_NAME, '')
		FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, dbName, table)
	if err != nil {
		return nil, fmt.Errorf("read information_schema.COLUMNS for %s.%s: %w", dbName, table, err)
	}
	defer rows.Close()
	type rawCol struct {
		name, dataType, colType, nullable, charset string
		prec, scale                                int
	}
	var raws []rawCol
	for rows.Next() {
		var r rawCol
		if err := rows.Scan(&r.name, &r.dataType, &r.colType, &r.nullable, &r.prec, &r.scale, &r.charset); err != nil {
			return nil, fmt.Errorf("read information_schema.COLUMNS for %s.%s: %w", dbName, table, err)
		}
		raws = append(raws, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read information_schema.COLUMNS for %s.%s: %w", dbName, table, err)
	}
	jsonCols, err := mariaDBJSONColumns(ctx, db, dbName, table)
	if err != nil {
		return nil, err
	}
	for _, r := range raws {
		c := column{DataType: r.dataType, ColumnType: strings.ToLower(r.colType), Declared: r.colType}
		c.Name = r.name
		c.Nullable = r.nullable == "YES"
		isJSON := jsonCols[strings.ToLower(r.name)]
		if err := mapType(&c, r.prec, r.scale, r.charset, isJSON, mo); err != nil {
			return nil, fmt.Errorf("column %q of %s.%s: %w", r.name, dbName, table, err)
		}
		ti.Columns = append(ti.Columns, c)
	}
	if err := findKey(ctx, db, ti); err != nil {
		return nil, err
	}
	return ti, nil
}

// mapType decides the lake type of one column (docs/mysql.md has the table).
func mapType(c *column, prec, scale int, charset string, isJSON bool, mo mapOptions) error {
	unsigned := strings.Contains(c.ColumnType, "unsigned")
	intType := func(signed, uns schema.Type) {
		if unsigned {
			c.Type, c.conv = uns, convUint
		} else {
			c.Type, c.conv = signed, convInt
		}
	}
	switch c.DataType {
	case "tinyint":
		if mo.tinyInt1AsBool && strings.HasPrefix(c.ColumnType, "tinyint(1)") {
			c.Type, c.conv = schema.TBool, convBool
			return nil
		}
		intType(schema.TInt8, schema.TUint8)
	case "smallint":
		intType(schema.TInt16, schema.TUint16)
	case "mediumint", "int", "integer":
		intType(schema.TInt32, schema.TUint32)
	case "bigint":
		intType(schema.TInt64, schema.TUint64)
	case "decimal", "numeric", "fixed":
		if prec > 38 {
			return fmt.Errorf("type %s has precision %d, above the lake's 38 digits; extract a view that casts it (e.g. CAST(col AS CHAR) for text, or DECIMAL(38,s)) instead of the table", c.Declared, prec)
		}
		c.Type = schema.DecimalOf(prec, scale)
		c.conv = convDecimal
		if prec > 18 {
			c.conv = convDecimalBig
		}
	case "float":
		c.Type, c.conv = schema.TFloat32, convFloat32
	case "double", "real", "double precision":
		c.Type, c.conv = schema.TFloat64, convFloat64
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set",
		"uuid", "inet4", "inet6":
		c.Type, c.conv = schema.TString, convString
		if charset == "binary" {
			c.Type, c.conv = schema.TBytes, convBytes
		}
		if isJSON {
			c.Type = schema.TJSON
		}
	case "json":
		c.Type, c.conv = schema.TJSON, convString
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob":
		c.Type, c.conv = schema.TBytes, convBytes
	case "date":
		c.Type, c.conv = schema.TDate, convDate
	case "datetime", "timestamp":
		c.Type, c.conv = schema.TTimestamp, convDatetime
	case "time":
		// A duration (-838:59:59..838:59:59), not a time of day: signed
		// microseconds, like Debezium's MicroTime (docs/mysql.md).
		c.Type, c.conv = schema.TInt64, convTime
	case "year":
		c.Type, c.conv = schema.TInt16, convYear
	case "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon",
		"geometrycollection", "geomcollection":
		mapSpatial(c, mo.spatialWKT)
	case "bit":
		if c.ColumnType == "bit(1)" {
			c.Type, c.conv = schema.TBool, convBitBool
		} else {
			c.Type, c.conv = schema.TUint64, convBit
		}
	default:
		return fmt.Errorf("type %s has no lake mapping; extract a view that casts or leaves out this column instead of the table", c.Declared)
	}
	switch c.conv {
	case convDate, convDatetime, convYear:
		// Zero dates ('0000-00-00') become NULL, so even a NOT NULL
		// temporal column is nullable in the lake (docs/mysql.md).
		c.Nullable = true
	}
	return nil
}

// mapSpatial maps a spatial column: MySQL's own value (a 4-byte
// little-endian SRID, then the WKB) as bytes, or its WKT as text.
func mapSpatial(c *column, wkt bool) {
	c.Type, c.conv = schema.TBytes, convBytes
	if wkt {
		c.Type, c.conv = schema.TString, convString
		c.expr = "ST_AsText(" + quoteIdent(c.Name) + ")"
	}
}

// mariaDBJSONColumns returns the columns that MariaDB declares JSON: a
// LONGTEXT with a JSON_VALID(col) check constraint. On MySQL (native JSON,
// no TABLE_NAME in CHECK_CONSTRAINTS) the query fails and the set is empty.
func mariaDBJSONColumns(ctx context.Context, db *sql.DB, dbName, table string) (map[string]bool, error) {
	out := map[string]bool{}
	rows, err := db.QueryContext(ctx, `SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS
		WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?`, dbName, table)
	if err != nil {
		return out, nil
	}
	defer rows.Close()
	for rows.Next() {
		var clause string
		if err := rows.Scan(&clause); err != nil {
			return nil, fmt.Errorf("read information_schema.CHECK_CONSTRAINTS for %s.%s: %w", dbName, table, err)
		}
		for _, m := range jsonValidCheck.FindAllStringSubmatch(clause, -1) {
			out[strings.ToLower(m[1])] = true
		}
	}
	return out, rows.Err()
}

// jsonValidCheck matches json_valid(`col`) in a check clause.
var jsonValidCheck = regexp.MustCompile("(?i)json_valid\\(\\s*`?([^`()]+?)`?\\s*\\)")

// findKey sets ti.Key to the primary key, else to the first unique key
// whose columns are all NOT NULL (InnoDB's own clustering choice).
func findKey(ctx context.Context, db *sql.DB, ti *tableInfo) error {
	rows, err := db.QueryContext(ctx, `SELECT INDEX_NAME, COLUMN_NAME, NULLABLE FROM information_schema.STATISTICS
		WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND NON_UNIQUE = 0
		ORDER BY INDEX_NAME <> 'PRIMARY', INDEX_NAME, SEQ_IN_INDEX`, ti.DB, ti.Name)
	if err != nil {
		return fmt.Errorf("read information_schema.STATISTICS for %s.%s: %w", ti.DB, ti.Name, err)
	}
	defer rows.Close()
	type idx struct {
		name     string
		cols     []string
		nullable bool
	}
	var all []*idx
	for rows.Next() {
		var name, col, nullable string
		if err := rows.Scan(&name, &col, &nullable); err != nil {
			return fmt.Errorf("read information_schema.STATISTICS for %s.%s: %w", ti.DB, ti.Name, err)
		}
		if len(all) == 0 || all[len(all)-1].name != name {
			all = append(all, &idx{name: name})
		}
		cur := all[len(all)-1]
		cur.cols = append(cur.cols, col)
		cur.nullable = cur.nullable || nullable == "YES"
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read information_schema.STATISTICS for %s.%s: %w", ti.DB, ti.Name, err)
	}
	for _, ix := range all {
		if !ix.nullable {
			ti.Key = ix.cols
			ti.KeySource = "unique key " + ix.name
			if ix.name == "PRIMARY" {
				ti.KeySource = "primary key"
			}
			return nil
		}
	}
	return nil
}

// longText names the TEXT, MEDIUMTEXT and LONGTEXT columns, and the
// VARCHAR and CHAR ones declared longer than longVarchar characters: values
// up to gigabytes (or kilobytes), whose min/max statistics would be stored
// whole.
func (ti *tableInfo) longText() []string {
	var out []string
	for _, c := range ti.Columns {
		switch c.DataType {
		case "text", "mediumtext", "longtext":
			out = append(out, c.Name)
		case "varchar", "char":
			if n, ok := declaredLength(c.ColumnType); ok && n > longVarchar {
				out = append(out, c.Name)
			}
		}
	}
	return out
}

// longVarchar is the longest VARCHAR that keeps min/max statistics: as
// long as a TINYTEXT.
const longVarchar = 255

// declaredLength reads N of "varchar(N)".
func declaredLength(columnType string) (int, bool) {
	_, rest, ok := strings.Cut(columnType, "(")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(rest, ")", 2)[0]))
	return n, err == nil
}
