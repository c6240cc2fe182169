package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/lakectl/lakectl/lake/schema"
)

// ErrUnsupportedType is wrapped by the error naming a column whose type
// has no lake mapping; the message carries the remedy.
var ErrUnsupportedType = errors.New("unsupported column type")

// ErrNoTable is wrapped when the source table does not exist.
var ErrNoTable = errors.New("source table not found")

// column is one source column and how its text form becomes a lake value.
type column struct {
	Name     string
	TypeName string // format_type(), for messages and docs
	NotNull  bool
	Type     schema.Type
	conv     convKind
	elem     elemKind // arrays: how elements become JSON
}

// tableInfo is what a run knows of the source table.
type tableInfo struct {
	Schema, Name string
	Columns      []column
	Key          []string // primary key, or the given key columns
	RowEstimate  int64
	Identity     byte // pg_class.relreplident: d, n, f, i
}

func (ti *tableInfo) qualified() string { return quoteIdent(ti.Schema) + "." + quoteIdent(ti.Name) }

func (ti *tableInfo) index(name string) int {
	for i, c := range ti.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// lakeSchema is the lake schema of the table's columns, plus extra ones.
func (ti *tableInfo) lakeSchema(extra ...schema.Column) schema.Schema {
	s := schema.Schema{Columns: make([]schema.Column, 0, len(ti.Columns)+len(extra))}
	for _, c := range ti.Columns {
		s.Columns = append(s.Columns, schema.Column{Name: c.Name, Type: c.Type, Nullable: !c.NotNull})
	}
	s.Columns = append(s.Columns, extra...)
	return s
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// describeTable reads the table's columns, primary key, size estimate and
// replica identity from the catalog, and maps every column's type.
func describeTable(ctx context.Context, conn *pgx.Conn, sch, name string) (*tableInfo, error) {
	ti := &tableInfo{Schema: sch, Name: name}
	var relid uint32
	var ident string
	var reltuples float64
	err := conn.QueryRow(ctx, `SELECT c.oid, c.relreplident::text, c.reltuples::float8 FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`, sch, name).Scan(&relid, &ident, &reltuples)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s.%s (names are case-sensitive; check the schema and table)", ErrNoTable, sch, name)
	}
	if err != nil {
		return nil, fmt.Errorf("describe %s.%s: %w", sch, name, err)
	}
	ti.RowEstimate = max(int64(reltuples), 0)
	if ident != "" {
		ti.Identity = ident[0]
	}
	rows, err := conn.Query(ctx, `SELECT a.attname, a.attnotnull, a.atttypid, a.atttypmod, format_type(a.atttypid, a.atttypmod)
		FROM pg_attribute a WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, relid)
	if err != nil {
		return nil, fmt.Errorf("describe %s.%s: %w", sch, name, err)
	}
	type raw struct {
		oid    uint32
		typmod int32
	}
	var raws []raw
	for rows.Next() {
		var c column
		var r raw
		if err := rows.Scan(&c.Name, &c.NotNull, &r.oid, &r.typmod, &c.TypeName); err != nil {
			rows.Close()
			return nil, err
		}
		ti.Columns = append(ti.Columns, c)
		raws = append(raws, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("describe %s.%s: %w", sch, name, err)
	}
	for i := range ti.Columns {
		if err := mapColumn(ctx, conn, &ti.Columns[i], raws[i].oid, raws[i].typmod); err != nil {
			return nil, err
		}
	}
	krows, err := conn.Query(ctx, `SELECT a.attname FROM pg_index i
		CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
		JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
		WHERE i.indrelid = $1 AND i.indisprimary ORDER BY k.ord`, relid)
	if err != nil {
		return nil, fmt.Errorf("read the primary key of %s.%s: %w", sch, name, err)
	}
	ti.Key, err = pgx.CollectRows(krows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("read the primary key of %s.%s: %w", sch, name, err)
	}
	return ti, nil
}

// pgType is one pg_type row.
type pgType struct {
	name, nsp      string
	typtype, cat   string
	base, elem     uint32
	basemod        int32
	isArrayOfOther bool
}

func loadType(ctx context.Context, conn *pgx.Conn, oid uint32) (pgType, error) {
	var t pgType
	err := conn.QueryRow(ctx, `SELECT t.typname, n.nspname, t.typtype::text, t.typcategory::text, t.typbasetype, t.typelem, t.typtypmod,
		t.typlen = -1 AND t.typelem <> 0
		FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid = $1`, oid).
		Scan(&t.name, &t.nsp, &t.typtype, &t.cat, &t.base, &t.elem, &t.basemod, &t.isArrayOfOther)
	if err != nil {
		return t, fmt.Errorf("read type %d: %w", oid, err)
	}
	return t, nil
}

// mapColumn resolves domains to their base type and picks the lake type
// and converter (docs/postgres.md has the table).
func mapColumn(ctx context.Context, conn *pgx.Conn, c *column, oid uint32, typmod int32) error {
	t, err := loadType(ctx, conn, oid)
	if err != nil {
		return err
	}
	for t.typtype == "d" { // domain: its base type, its own typmod
		if t.basemod >= 0 {
			typmod = t.basemod
		}
		if t, err = loadType(ctx, conn, t.base); err != nil {
			return err
		}
	}
	switch {
	case t.typtype == "e":
		c.Type, c.conv = schema.TString, convText
		return nil
	case t.cat == "A" && t.isArrayOfOther:
		et, err := loadType(ctx, conn, t.elem)
		if err != nil {
			return err
		}
		for et.typtype == "d" {
			if et, err = loadType(ctx, conn, et.base); err != nil {
				return err
			}
		}
		if et.typtype == "c" || (et.nsp != "pg_catalog" && et.typtype != "e") {
			return unsupported(c, et.name)
		}
		c.Type, c.conv, c.elem = schema.TJSON, convArray, elemOf(et.name)
		return nil
	case t.typtype == "c":
		return fmt.Errorf("%w: column %q has composite type %s; extract a view that selects to_json(%s)::text instead",
			ErrUnsupportedType, c.Name, c.TypeName, quoteIdent(c.Name))
	case t.name == "citext": // extension type with a plain text form
		c.Type, c.conv = schema.TString, convText
		return nil
	case t.nsp != "pg_catalog":
		return unsupported(c, t.name)
	}
	if t.typtype == "r" || t.typtype == "m" { // ranges and multiranges: their text form
		c.Type, c.conv = schema.TString, convText
		return nil
	}
	return mapBuiltin(c, t.name, typmod)
}

func unsupported(c *column, typ string) error {
	return fmt.Errorf("%w: column %q has type %s (an extension or user-defined type); cast it to text or a built-in type in a view and extract the view, or drop it from the table",
		ErrUnsupportedType, c.Name, typ)
}

// builtin is the lake type of a pg_catalog type and its converter.
type builtin struct {
	typ  schema.Type
	conv convKind
}

// builtins maps the pg_catalog types by name (numeric by its typmod:
// numericType): a table, one row a type.
var builtins = func() map[string]builtin {
	m := map[string]builtin{
		"bool":        {schema.TBool, convBool},
		"int2":        {schema.TInt16, convInt16},
		"int4":        {schema.TInt32, convInt32},
		"int8":        {schema.TInt64, convInt64},
		"oid":         {schema.TUint32, convUint32},
		"xid":         {schema.TUint32, convUint32},
		"cid":         {schema.TUint32, convUint32},
		"float4":      {schema.TFloat32, convFloat32},
		"float8":      {schema.TFloat64, convFloat64},
		"money":       {schema.DecimalOf(19, 2), convMoney},
		"json":        {schema.TJSON, convText},
		"jsonb":       {schema.TJSON, convText},
		"bytea":       {schema.TBytes, convBytea},
		"date":        {schema.TDate, convDate},
		"timestamp":   {schema.TTimestamp, convTimestamp},
		"timestamptz": {schema.TTimestamp, convTimestamptz},
		"time":        {schema.TTime, convTime},
	}
	for _, name := range []string{"regclass", "regproc", "regtype", "jsonpath",
		"text", "varchar", "bpchar", "char", "name", "citext", "uuid", "xml",
		"inet", "cidr", "macaddr", "macaddr8", "bit", "varbit", "tsvector", "tsquery",
		"point", "line", "lseg", "box", "path", "polygon", "circle", "pg_lsn", "txid_snapshot", "pg_snapshot",
		"timetz", "interval"} {
		m[name] = builtin{schema.TString, convText}
	}
	return m
}()

// numericType is a DECIMAL when the typmod bounds numeric within the
// lake's 38 digits, else its text. typmod = ((precision << 16) | scale)
// + 4; -1: unconstrained.
func numericType(typmod int32) builtin {
	if typmod >= 4 {
		p, s := int((typmod-4)>>16)&0xffff, int((typmod-4)&0x7ff)
		if p <= 38 && s >= 0 && s <= p {
			return builtin{schema.DecimalOf(p, s), convDecimal}
		}
	}
	return builtin{schema.TString, convNumericText}
}

// mapBuiltin maps a pg_catalog type by name.
func mapBuiltin(c *column, typ string, typmod int32) error {
	b, ok := builtins[typ]
	if typ == "numeric" {
		b, ok = numericType(typmod), true
	}
	if ok {
		c.Type, c.conv = b.typ, b.conv
		return nil
	}
	return fmt.Errorf("%w: column %q has type %s, which lakectl does not map; cast it to text in a view and extract the view",
		ErrUnsupportedType, c.Name, c.TypeName)
}
