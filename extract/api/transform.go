package api

import (
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lakectl/lakectl/lake/schema"
)

// column is one data column of an endpoint's table.
type column struct {
	name   string
	path   jsonPath // declared fields only
	typ    schema.Type
	format string
}

// layout is the table's columns: data columns then the reserved ones.
type layout struct {
	cols     []column
	index    map[string]int // data column name -> position
	declared bool
	key      []int // positions of the key columns
	cursor   int   // position of the cursor column, -1 when none
	// byKey caches JSON key -> position (-1: no column); a layout is read
	// by every fetcher at once.
	byKey  sync.Map
	nByKey atomic.Int32
}

// indexOfKey is the position of the column of a JSON key.
func (l *layout) indexOfKey(k string) (int, bool) {
	if v, ok := l.byKey.Load(k); ok {
		i := v.(int)
		return i, i >= 0
	}
	i, ok := l.index[columnName(k)]
	if !ok {
		i = -1
	}
	if l.nByKey.Add(1) <= maxCachedKeys {
		l.byKey.Store(k, i)
	}
	return i, ok
}

// newLayout builds the columns from the spec's fields, or from the
// inferred types (state's order first, new columns sorted after them).
func newLayout(ep *Endpoint, prior []stateColumn, inf *inference) (*layout, error) {
	l := &layout{index: map[string]int{}, cursor: -1}
	if len(ep.Fields) > 0 {
		l.declared = true
		for _, f := range ep.Fields {
			c := column{name: f.Name, path: mustPath(orDefault(f.Path, f.Name)), format: f.Format}
			if f.Type != "" {
				t, err := schema.ParseType(f.Type)
				if err != nil {
					return nil, err
				}
				c.typ = t
			} else {
				c.typ = inf.types[f.Name]
			}
			if c.typ.Kind == schema.Invalid {
				c.typ = schema.TString // never seen with a value
			}
			l.index[c.name] = len(l.cols)
			l.cols = append(l.cols, c)
		}
	} else {
		for _, pc := range prior {
			t, err := schema.ParseType(pc.Type)
			if err != nil {
				return nil, fmt.Errorf("state column %s: %w", pc.Name, err)
			}
			t = widen(t, inf.types[pc.Name])
			l.index[pc.Name] = len(l.cols)
			l.cols = append(l.cols, column{name: pc.Name, typ: t})
		}
		var added []string
		for name := range inf.types {
			if _, ok := l.index[name]; !ok {
				added = append(added, name)
			}
		}
		sort.Strings(added)
		for _, name := range added {
			t := inf.types[name]
			if t.Kind == schema.Invalid {
				t = schema.TString
			}
			l.index[name] = len(l.cols)
			l.cols = append(l.cols, column{name: name, typ: t})
		}
	}
	for _, k := range ep.Key {
		if i, ok := l.index[k]; ok {
			l.key = append(l.key, i)
		}
	}
	if i, ok := l.index[ep.Cursor]; ok && ep.Cursor != "" {
		l.cursor = i
	}
	return l, nil
}

// schema is the lake schema: data columns, then _source, _account,
// _window_start, _extracted_at.
func (l *layout) schema() schema.Schema {
	var s schema.Schema
	for _, c := range l.cols {
		s.Columns = append(s.Columns, schema.Column{Name: c.name, Type: c.typ, Nullable: true})
	}
	s.Columns = append(s.Columns,
		schema.Column{Name: "_source", Type: schema.TString},
		schema.Column{Name: "_account", Type: schema.TString},
		schema.Column{Name: "_window_start", Type: schema.TTimestamp},
		schema.Column{Name: "_extracted_at", Type: schema.TTimestamp},
	)
	return s
}

func (l *layout) stateColumns() []stateColumn {
	if l.declared {
		return nil
	}
	out := make([]stateColumn, len(l.cols))
	for i, c := range l.cols {
		out[i] = stateColumn{Name: c.name, Type: c.typ.String()}
	}
	return out
}

// observe adds a page's records to the inference (undeclared types only).
func observe(ep *Endpoint, inf *inference, recs []any) error {
	for i, r := range recs {
		obj, ok := r.(map[string]any)
		if !ok {
			return fmt.Errorf("record %d is %s, want an object", i, jsonKind(r))
		}
		if len(ep.Fields) > 0 {
			for _, f := range ep.Fields {
				if f.Type != "" {
					continue
				}
				v, _ := mustPath(orDefault(f.Path, f.Name)).lookup(obj)
				inf.types[f.Name] = widen(inf.types[f.Name], valueType(v))
			}
			continue
		}
		for k, v := range obj {
			name := inf.column(k)
			old, seen := inf.types[name]
			if t := widen(old, valueType(v)); t != old || !seen {
				inf.types[name] = t
			}
		}
	}
	return nil
}

// rowMeta is what the reserved columns hold for a page's records.
type rowMeta struct {
	source, account string
	windowStart     time.Time
	extractedAt     time.Time
}

// reserved are the values of the reserved columns for a page's records.
func (m rowMeta) reserved() []schema.Value {
	return []schema.Value{schema.StringValue(m.source), schema.StringValue(m.account),
		schema.TimestampValue(m.windowStart), schema.TimestampValue(m.extractedAt)}
}

// row converts one record into dst (which has room for every column),
// after the decoded value of each data column in vals (len(l.cols)).
func (l *layout) row(obj map[string]any, reserved []schema.Value, vals []any, dst schema.Row) (schema.Row, error) {
	clear(vals)
	if l.declared {
		for i, c := range l.cols {
			vals[i], _ = c.path.lookup(obj)
		}
	} else {
		for k, v := range obj {
			if i, ok := l.indexOfKey(k); ok && v != nil {
				vals[i] = v
			}
		}
	}
	row := dst[:0]
	for i, c := range l.cols {
		v, err := convert(vals[i], c.typ, c.format)
		if err != nil {
			return nil, fmt.Errorf("field %s: %v", c.name, err)
		}
		row = append(row, v)
	}
	return append(row, reserved...), nil
}

// fingerprint identifies a record version: account + key + cursor when a
// key is declared, else account + the whole record.
func (l *layout) fingerprint(account string, obj map[string]any, vals []any) uint64 {
	var scratch [128]byte
	b := append(scratch[:0], account...)
	b = append(b, 0)
	if len(l.key) == 0 {
		m, _ := json.Marshal(obj) // map keys sorted: canonical
		return fnv64a(append(b, m...))
	}
	for _, i := range l.key {
		b = appendJSON(b, vals[i])
		b = append(b, 0)
	}
	if l.cursor >= 0 {
		b = appendJSON(b, vals[l.cursor])
	}
	return fnv64a(b)
}

// fnv64a is hash/fnv's 64-bit FNV-1a of b, without its allocation.
func fnv64a(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// appendJSON appends json.Marshal(v)'s bytes (fingerprints kept in the
// state depend on them), without reflection for plain strings, numbers
// from the parser (valid by construction) and null.
func appendJSON(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case json.Number:
		if x != "" {
			return append(b, x...)
		}
	case string:
		if plainJSONString(x) {
			b = append(b, '"')
			b = append(b, x...)
			return append(b, '"')
		}
	}
	m, _ := json.Marshal(v)
	return append(b, m...)
}

// plainJSONString: json.Marshal writes s between quotes unchanged
// (printable ASCII, nothing it escapes).
func plainJSONString(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// holds reports whether every type in inf fits the layout's columns as
// they are (no new column, no widening).
func (l *layout) holds(inf *inference) bool {
	for name, t := range inf.types {
		i, ok := l.index[name]
		if !ok {
			if l.declared {
				continue
			}
			return false
		}
		if widen(l.cols[i].typ, t) != l.cols[i].typ {
			return false
		}
	}
	return true
}
