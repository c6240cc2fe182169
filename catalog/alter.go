package catalog

import (
	"fmt"
	"strings"

	"github.com/lakectl/lakectl/lake/schema"
)

// AlterStatements returns the statements that bring a table created from
// the old schema to the new one, for compatible changes only: one ADD
// COLUMN per statement, type widening where the dialect can do it in
// place, NOT NULL dropped. A breaking change, or one the dialect cannot
// apply in place (Redshift widening), is an error naming the column.
func AlterStatements(d Dialect, table string, changes []Change, opts DDLOptions) ([]string, error) {
	if _, err := ParseDialect(string(d)); err != nil {
		return nil, err
	}
	target := qualified(d, opts.Schema, table)
	var out []string
	for _, c := range changes {
		if c.Breaking {
			return nil, fmt.Errorf("alter table %s: %s is a breaking change; it needs a rebuild, not an ALTER", table, c)
		}
		col, err := changedColumn(c)
		if err != nil {
			return nil, fmt.Errorf("alter table %s: %w", table, err)
		}
		var stmts []string
		switch d {
		case Redshift:
			stmts, err = redshiftAlter(target, c, col, opts)
		case Athena:
			stmts, err = athenaAlter(target, c, col)
		case Postgres, DuckDB:
			stmts, err = plainAlter(d, target, c, col, opts)
		}
		if err != nil {
			return nil, fmt.Errorf("alter table %s: %w", table, err)
		}
		out = append(out, stmts...)
	}
	return out, nil
}

// changedColumn is the column as the change leaves it (nullable: only
// nullable additions are compatible).
func changedColumn(c Change) (schema.Column, error) {
	col := schema.Column{Name: c.Column, Nullable: true}
	if c.Kind == Nullability {
		return col, nil
	}
	t, err := schema.ParseType(c.To)
	if err != nil {
		return col, fmt.Errorf("column %s: %w", c.Column, err)
	}
	col.Type = t
	return col, nil
}

func plainAlter(d Dialect, target string, c Change, col schema.Column, opts DDLOptions) ([]string, error) {
	q := quoteIdent(d, col.Name)
	switch c.Kind {
	case Added:
		return []string{fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s;", target, q, sqlType(d, col, opts))}, nil
	case Widened:
		same, err := sameSQLType(d, c, col, opts)
		if err != nil || same {
			return nil, err // e.g. uint32 -> int64 are both bigint in PostgreSQL
		}
		return []string{fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s TYPE %s;", target, q, sqlType(d, col, opts))}, nil
	case Nullability:
		return []string{fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL;", target, q)}, nil
	}
	return nil, fmt.Errorf("column %s: %s changes have no ALTER statement", c.Column, c.Kind)
}

// sameSQLType reports whether a widened column keeps its type in dialect d,
// so that there is nothing to alter.
func sameSQLType(d Dialect, c Change, col schema.Column, opts DDLOptions) (bool, error) {
	from, err := schema.ParseType(c.From)
	if err != nil {
		return false, fmt.Errorf("column %s: %w", c.Column, err)
	}
	return strings.EqualFold(sqlType(d, schema.Column{Name: col.Name, Type: from}, opts), sqlType(d, col, opts)), nil
}
