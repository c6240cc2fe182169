package rebuild

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/lakectl/lakectl/warehouse"
	"github.com/lakectl/lakectl/warehouse/driver"
)

// A migration written as a whole CREATE TABLE {{.NewTable}} may differ
// from the current table only in what Redshift alters in place: wider
// VARCHARs, column encodings, the distribution and sort keys. Then the
// run alters the table instead of reloading every file
// (https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html).

// columnDef is one column of a CREATE TABLE.
type columnDef struct {
	name, typ, encode string
	notNull           bool
}

// currentColumn is one column of the table as the warehouse reports it.
type currentColumn struct {
	name, typ string
	nullable  bool
}

// deriveInPlace turns a CREATE TABLE migration into in-place ALTERs when
// it can (Redshift, the warehouse answering, nothing but in-place
// differences); otherwise the run stays a rebuild.
func (r *Run) deriveInPlace(ctx context.Context, wh warehouse.Warehouse, n names) {
	if r.InPlace || wh.Dialect() != driver.Redshift {
		return
	}
	stmts, err := renderMigration(r.Migration, n.migrationData(r.Table))
	if err != nil || len(stmts) != 1 {
		return
	}
	cols, attrs, ok := parseCreate(stripComments(stmts[0]), n)
	if !ok {
		return
	}
	cur, err := currentColumns(ctx, wh, n)
	if err != nil || len(cur) != len(cols) {
		return
	}
	alters, ok := diffColumns(cur, cols, n)
	if !ok {
		return
	}
	r.markInPlace(n)
	r.InPlaceStatements = append(alters, attrs...)
	r.step(StepCreate).Detail += "; derived from the migration's CREATE TABLE, which differs from " + n.target + " only in what ALTER changes in place"
}

var (
	reCreate   = regexp.MustCompile(`(?is)^CREATE\s+TABLE\s+(\S+)\s*\(`)
	reTypeLen  = regexp.MustCompile(`^(VARCHAR|CHARACTER VARYING|NVARCHAR)\s*\(\s*(\d+|MAX)\s*\)$`)
	reAttr     = regexp.MustCompile(`(?is)^\s*(DISTSTYLE\s+(AUTO|EVEN|KEY|ALL)|DISTKEY\s*\(\s*([^)\s]+)\s*\)|(COMPOUND\s+)?SORTKEY\s*\(([^)]*)\)|ENCODE\s+AUTO)`)
	reColumn   = regexp.MustCompile(`(?is)^("(?:[^"]|"")+"|\w+)\s+(.+?)(\s+ENCODE\s+(\w+))?(\s+(NOT\s+NULL|NULL))?$`)
	reConstrnt = regexp.MustCompile(`(?i)^(PRIMARY|UNIQUE|FOREIGN|CONSTRAINT|CHECK|LIKE)\b`)
)

// parseCreate reads CREATE TABLE <new table> (columns) [attributes] into
// column definitions and the ALTERs its table attributes mean.
func parseCreate(sql string, n names) ([]columnDef, []string, bool) {
	m := reCreate.FindStringSubmatchIndex(sql)
	if m == nil || !strings.EqualFold(strings.ReplaceAll(sql[m[2]:m[3]], `"`, ""), n.newT) {
		return nil, nil, false
	}
	body, rest, ok := cutParens(sql[m[1]:])
	if !ok {
		return nil, nil, false
	}
	var cols []columnDef
	for _, def := range splitTop(body) {
		c := reColumn.FindStringSubmatch(strings.TrimSpace(def))
		if c == nil || reConstrnt.MatchString(strings.TrimSpace(def)) {
			return nil, nil, false
		}
		typ := strings.ToUpper(strings.Join(strings.Fields(c[2]), " "))
		if strings.ContainsAny(typ, " ") && !strings.HasPrefix(typ, "DOUBLE PRECISION") && !strings.HasPrefix(typ, "CHARACTER VARYING") &&
			!strings.HasPrefix(typ, "TIMESTAMP WITH") && !strings.HasPrefix(typ, "TIMESTAMP WITHOUT") {
			return nil, nil, false // DEFAULT, IDENTITY, COLLATE...: not for the in-place path
		}
		cols = append(cols, columnDef{name: strings.ToLower(strings.Trim(c[1], `"`)), typ: typ, encode: c[4], notNull: strings.EqualFold(strings.Join(strings.Fields(c[6]), " "), "NOT NULL")})
	}
	attrs, ok := tableAttrs(rest, n)
	return cols, attrs, ok
}

// tableAttrs turns DISTSTYLE, DISTKEY, SORTKEY and ENCODE AUTO into ALTERs.
func tableAttrs(rest string, n names) ([]string, bool) {
	var out []string
	rest = strings.TrimSpace(rest)
	for rest != "" {
		m := reAttr.FindStringSubmatch(rest)
		if m == nil {
			return nil, false // INTERLEAVED SORTKEY, BACKUP, ...: rebuild
		}
		switch up := strings.ToUpper(m[1]); {
		case strings.HasPrefix(up, "DISTSTYLE"):
			if m[2] != "KEY" { // KEY comes with DISTKEY
				out = append(out, fmt.Sprintf("ALTER TABLE %s ALTER DISTSTYLE %s", n.qTarget, strings.ToUpper(m[2])))
			}
		case strings.HasPrefix(up, "DISTKEY"):
			out = append(out, fmt.Sprintf("ALTER TABLE %s ALTER DISTKEY %s", n.qTarget, m[3]))
		case strings.HasPrefix(up, "ENCODE"):
			out = append(out, fmt.Sprintf("ALTER TABLE %s ALTER ENCODE AUTO", n.qTarget))
		default:
			out = append(out, fmt.Sprintf("ALTER TABLE %s ALTER %sSORTKEY (%s)", n.qTarget, strings.ToUpper(m[4]), strings.TrimSpace(m[5])))
		}
		rest = strings.TrimSpace(rest[len(m[0]):])
	}
	return out, true
}

// diffColumns says what ALTERs bring cur to cols, or false when a
// difference needs a rebuild (a type change, a narrowing, nullability).
func diffColumns(cur []currentColumn, cols []columnDef, n names) ([]string, bool) {
	var out []string
	for i, c := range cols {
		k := cur[i]
		if k.name != c.name || c.notNull == k.nullable { // Redshift cannot alter nullability
			return nil, false
		}
		want, wantLen := canonDDL(c.typ)
		have, haveLen := canonDDL(k.typ)
		switch {
		case want != have:
			return nil, false
		case want == "varchar" && wantLen < haveLen:
			return nil, false
		case want == "varchar" && wantLen > haveLen:
			out = append(out, fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s TYPE VARCHAR(%d)", n.qTarget, driver.QuoteIdent(c.name), wantLen))
		case wantLen != haveLen:
			return nil, false
		}
		if c.encode != "" {
			out = append(out, fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s ENCODE %s", n.qTarget, driver.QuoteIdent(c.name), strings.ToLower(c.encode)))
		}
	}
	return out, true
}

// canonDDL names a type the same way whether a CREATE TABLE or the
// information schema spells it; the number is a VARCHAR's length (or any
// other parameters, as a code).
func canonDDL(typ string) (string, int) {
	t := strings.ToUpper(strings.Join(strings.Fields(typ), " "))
	t = strings.ReplaceAll(strings.Replace(t, "DECIMAL", "NUMERIC", 1), ", ", ",")
	if m := reTypeLen.FindStringSubmatch(t); m != nil {
		if m[2] == "MAX" {
			return "varchar", 65535
		}
		n, _ := strconv.Atoi(m[2])
		return "varchar", n
	}
	synonyms := map[string]string{
		"VARCHAR": "varchar", "CHARACTER VARYING": "varchar", "TEXT": "varchar",
		"INT8": "bigint", "BIGINT": "bigint", "INT": "integer", "INT4": "integer", "INTEGER": "integer", "INT2": "smallint", "SMALLINT": "smallint",
		"FLOAT8": "double precision", "FLOAT": "double precision", "DOUBLE PRECISION": "double precision", "FLOAT4": "real", "REAL": "real",
		"BOOL": "boolean", "BOOLEAN": "boolean", "DATE": "date",
		"TIMESTAMP": "timestamp", "TIMESTAMP WITHOUT TIME ZONE": "timestamp", "TIMESTAMPTZ": "timestamptz", "TIMESTAMP WITH TIME ZONE": "timestamptz",
	}
	if s, ok := synonyms[t]; ok {
		if s == "varchar" {
			return s, 256
		}
		return s, 0
	}
	return strings.ToLower(t), -1 // anything else must match as written
}

// currentColumns reads the table's columns in order, typed as DDL.
func currentColumns(ctx context.Context, wh warehouse.Warehouse, n names) ([]currentColumn, error) {
	q := fmt.Sprintf(`SELECT column_name, data_type, coalesce(character_maximum_length, 0), coalesce(numeric_precision, 0), coalesce(numeric_scale, 0), is_nullable
FROM information_schema.columns WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position`, driver.LiteralFor(wh)(n.schema), driver.LiteralFor(wh)(n.name))
	var out []currentColumn
	err := wh.Query(ctx, q, nil, func(scan func(...any) error) error {
		var name, typ, nullable string
		var length, precision, scale int64
		if err := scan(&name, &typ, &length, &precision, &scale, &nullable); err != nil {
			return err
		}
		switch typ = strings.ToUpper(typ); typ {
		case "CHARACTER VARYING":
			typ = fmt.Sprintf("VARCHAR(%d)", length)
		case "NUMERIC":
			typ = fmt.Sprintf("NUMERIC(%d,%d)", precision, scale)
		case "CHARACTER":
			typ = fmt.Sprintf("CHAR(%d)", length)
		}
		out = append(out, currentColumn{name: strings.ToLower(name), typ: typ, nullable: nullable == "YES"})
		return nil
	})
	return out, err
}

// walkTop calls fn with each byte index outside quotes and the
// parenthesis depth there (start: depth before s); fn returns false to
// stop. It reports whether the quotes were balanced.
func walkTop(s string, depth int, fn func(i, depth int) bool) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case '\'', '"':
			j := strings.IndexByte(s[i+1:], s[i])
			if j < 0 {
				return false
			}
			i += j + 1
			continue
		}
		if !fn(i, depth) {
			return true
		}
	}
	return true
}

// cutParens splits "a (b) c) rest" at the parenthesis that closes the one
// opened before s: the inside and what follows.
func cutParens(s string) (inside, rest string, ok bool) {
	end := -1
	walkTop(s, 1, func(i, depth int) bool {
		if depth == 0 {
			end = i
			return false
		}
		return true
	})
	if end < 0 {
		return "", "", false
	}
	return s[:end], s[end+1:], true
}

// splitTop splits at commas outside parentheses and quotes.
func splitTop(s string) []string {
	var out []string
	start := 0
	walkTop(s, 0, func(i, depth int) bool {
		if depth == 0 && s[i] == ',' {
			out = append(out, s[start:i])
			start = i + 1
		}
		return true
	})
	return append(out, s[start:])
}
