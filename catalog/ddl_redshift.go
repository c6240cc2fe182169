package catalog

import (
	"fmt"
	"strings"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/lake/schema"
)

// redshiftDDL writes CREATE TABLE with Redshift's table attributes:
// DISTSTYLE KEY DISTKEY (col) when a distribution key is set (else
// Redshift's AUTO), and COMPOUND SORTKEY (cols).
func redshiftDDL(table string, s schema.Schema, opts DDLOptions) (string, error) {
	var b strings.Builder
	b.WriteString(createTable(Redshift, table, s.Columns, opts))
	if opts.DistKey != "" {
		c, err := keyColumn(s, opts.DistKey, "DISTKEY")
		if err != nil {
			return "", err
		}
		b.WriteString("\nDISTSTYLE KEY\nDISTKEY (" + quoteIdent(Redshift, c) + ")")
	}
	if len(opts.SortKey) > 0 {
		names := make([]string, len(opts.SortKey))
		for i, k := range opts.SortKey {
			c, err := keyColumn(s, k, "SORTKEY")
			if err != nil {
				return "", err
			}
			names[i] = quoteIdent(Redshift, c)
		}
		b.WriteString("\nCOMPOUND SORTKEY (" + strings.Join(names, ", ") + ")")
	}
	b.WriteString(";\n")
	return b.String(), nil
}

// keyColumn resolves a DISTKEY/SORTKEY column name against the schema.
func keyColumn(s schema.Schema, name, what string) (string, error) {
	i := s.Index(name)
	if i < 0 {
		return "", input.Errorf("%s column %q is not a column of the table (columns: %s)", what, name, strings.Join(s.Names(), ", "))
	}
	return s.Columns[i].Name, nil
}

// redshiftAlter writes the statements for compatible changes that
// Redshift can apply in place: ADD COLUMN (one per statement). Widening a
// column's type other than VARCHAR length needs a rebuild (deep copy).
func redshiftAlter(target string, c Change, col schema.Column, opts DDLOptions) ([]string, error) {
	switch c.Kind {
	case Added:
		return []string{fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s;", target, quoteIdent(Redshift, col.Name), sqlType(Redshift, col, opts))}, nil
	case Widened:
		same, err := sameSQLType(Redshift, c, col, opts)
		if err != nil || same {
			return nil, err
		}
		return nil, fmt.Errorf("column %s: Redshift cannot change a column's type from %s to %s in place (only VARCHAR length can grow): %w", c.Column, c.From, c.To, ErrNeedsRebuild)
	case Nullability:
		return nil, fmt.Errorf("column %s: Redshift cannot drop NOT NULL in place: %w", c.Column, ErrNeedsRebuild)
	}
	return nil, fmt.Errorf("column %s: %s changes have no ALTER statement", c.Column, c.Kind)
}
