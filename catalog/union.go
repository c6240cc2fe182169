package catalog

import (
	"fmt"
	"strings"

	"github.com/lakectl/lakectl/lake/schema"
)

// conflictError says two schemas give one column types that do not unify.
type conflictError struct {
	Column   string
	From, To schema.Type
}

func (e *conflictError) Error() string {
	return fmt.Sprintf("column %s is %s in one and %s in the other, and neither type holds the other", e.Column, e.From, e.To)
}

// unionSchemas is the schema that describes files of schema base and files
// of schema add together: base's columns in base's order, then add's new
// columns in add's order; a column's type is the wider of the two; a
// column missing from one side, or nullable in either, is nullable.
func unionSchemas(base, add schema.Schema) (schema.Schema, error) {
	out := schema.Schema{Columns: make([]schema.Column, 0, len(base.Columns)+len(add.Columns))}
	for _, c := range base.Columns {
		i := add.Index(c.Name)
		if i < 0 {
			c.Nullable = true
			out.Columns = append(out.Columns, c)
			continue
		}
		o := add.Columns[i]
		t, ok := unifyTypes(c.Type, o.Type)
		if !ok {
			return schema.Schema{}, &conflictError{Column: c.Name, From: c.Type, To: o.Type}
		}
		c.Type = t
		c.Nullable = c.Nullable || o.Nullable
		out.Columns = append(out.Columns, c)
	}
	for _, o := range add.Columns {
		if base.Index(o.Name) < 0 {
			o.Nullable = true
			out.Columns = append(out.Columns, o)
		}
	}
	return out, nil
}

// orderLike reorders s's columns to follow prev's order for the columns
// prev has, the others after them in s's order: a crawl keeps the recorded
// column order stable whichever files happen to be the oldest.
func orderLike(s, prev schema.Schema) schema.Schema {
	out := schema.Schema{Columns: make([]schema.Column, 0, len(s.Columns))}
	used := make(map[string]bool, len(s.Columns))
	for _, p := range prev.Columns {
		if i := s.Index(p.Name); i >= 0 {
			out.Columns = append(out.Columns, s.Columns[i])
			used[strings.ToLower(p.Name)] = true
		}
	}
	for _, c := range s.Columns {
		if !used[strings.ToLower(c.Name)] {
			out.Columns = append(out.Columns, c)
		}
	}
	return out
}
