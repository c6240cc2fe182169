package records

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/lakectl/lakectl/lake/schema"
)

// Column is one data column of a table made of records.
type Column struct {
	Name   string
	Path   Path // declared columns only: where the value is in a record
	Type   schema.Type
	Format string // time format of the values (see ParseTime)
}

// Layout is the data columns records are converted into. It is read by
// many goroutines at once and never changed after it is built.
type Layout struct {
	Cols     []Column
	Index    map[string]int // column name -> position
	Declared bool           // columns come from paths, not from the records' keys
	// byKey caches JSON key -> position (-1: no column).
	byKey  sync.Map
	nByKey atomic.Int32
}

// Declared builds a layout of declared columns (each with its path).
func Declared(cols []Column) *Layout {
	l := &Layout{Index: map[string]int{}, Declared: true}
	for _, c := range cols {
		if c.Type.Kind == schema.Invalid {
			c.Type = schema.TString // never seen with a value
		}
		l.Index[c.Name] = len(l.Cols)
		l.Cols = append(l.Cols, c)
	}
	return l
}

// Inferred builds a layout from the inferred types: the prior columns
// first, in their order and widened to what inf saw, then the new
// columns sorted by name. A column keeps its position across runs.
func Inferred(prior []schema.Column, inf *Inference) *Layout {
	l := &Layout{Index: map[string]int{}}
	for _, pc := range prior {
		l.Index[pc.Name] = len(l.Cols)
		l.Cols = append(l.Cols, Column{Name: pc.Name, Type: Widen(pc.Type, inf.Types[pc.Name])})
	}
	var added []string
	for name := range inf.Types {
		if _, ok := l.Index[name]; !ok {
			added = append(added, name)
		}
	}
	sort.Strings(added)
	for _, name := range added {
		t := inf.Types[name]
		if t.Kind == schema.Invalid {
			t = schema.TString
		}
		l.Index[name] = len(l.Cols)
		l.Cols = append(l.Cols, Column{Name: name, Type: t})
	}
	return l
}

// IndexOfKey is the position of the column of a JSON key.
func (l *Layout) IndexOfKey(k string) (int, bool) {
	// A key that is a column's name is its own column name (ColumnName
	// is idempotent, but for "f_", the name of the empty key): the common
	// case, without the cache.
	if i, ok := l.Index[k]; ok && k != "f_" {
		return i, true
	}
	if v, ok := l.byKey.Load(k); ok {
		i := v.(int)
		return i, i >= 0
	}
	i, ok := l.Index[ColumnName(k)]
	if !ok {
		i = -1
	}
	if l.nByKey.Add(1) <= MaxCachedKeys {
		l.byKey.Store(k, i)
	}
	return i, ok
}

// Columns are the layout's columns as schema columns (all nullable).
func (l *Layout) Columns() []schema.Column {
	out := make([]schema.Column, len(l.Cols))
	for i, c := range l.Cols {
		out[i] = schema.Column{Name: c.Name, Type: c.Type, Nullable: true}
	}
	return out
}

// Schema is the lake schema: the data columns, then reserved.
func (l *Layout) Schema(reserved ...schema.Column) schema.Schema {
	return schema.Schema{Columns: append(l.Columns(), reserved...)}
}

// Row converts one record into dst (which has room for every column and
// the reserved values), leaving the decoded value of each data column in
// vals (len(l.Cols)). A value that does not fit its column is an error.
func (l *Layout) Row(obj map[string]any, reserved []schema.Value, vals []any, dst schema.Row) (schema.Row, error) {
	clear(vals)
	if l.Declared {
		for i, c := range l.Cols {
			vals[i], _ = c.Path.Lookup(obj)
		}
	} else {
		for k, v := range obj {
			if i, ok := l.IndexOfKey(k); ok && v != nil {
				vals[i] = v
			}
		}
	}
	row := dst[:0]
	for i, c := range l.Cols {
		v, err := Convert(vals[i], c.Type, c.Format)
		if err != nil {
			return nil, fmt.Errorf("field %s: %v", c.Name, err)
		}
		row = append(row, v)
	}
	return append(row, reserved...), nil
}

// Holds reports whether every type in inf fits the layout's columns as
// they are (no new column, no widening).
func (l *Layout) Holds(inf *Inference) bool {
	for name, t := range inf.Types {
		i, ok := l.Index[name]
		if !ok {
			if l.Declared {
				continue
			}
			return false
		}
		if Widen(l.Cols[i].Type, t) != l.Cols[i].Type {
			return false
		}
	}
	return true
}
