package api

import (
	"fmt"
	"time"

	"github.com/lakectl/lakectl/extract/records"
	"github.com/lakectl/lakectl/lake/schema"
)

// layout is the table's columns (data columns then the reserved ones),
// with the positions of the key and cursor columns for fingerprints.
type layout struct {
	*records.Layout
	key    []int // positions of the key columns
	cursor int   // position of the cursor column, -1 when none
}

// newLayout builds the columns from the spec's fields, or from the
// inferred types (state's order first, new columns sorted after them).
func newLayout(ep *Endpoint, prior []stateColumn, inf *records.Inference) (*layout, error) {
	l := &layout{cursor: -1}
	if len(ep.Fields) > 0 {
		cols := make([]records.Column, 0, len(ep.Fields))
		for _, f := range ep.Fields {
			c := records.Column{Name: f.Name, Path: records.MustPath(orDefault(f.Path, f.Name)), Format: f.Format}
			if f.Type != "" {
				t, err := schema.ParseType(f.Type)
				if err != nil {
					return nil, err
				}
				c.Type = t
			} else {
				c.Type = inf.Types[f.Name]
			}
			cols = append(cols, c)
		}
		l.Layout = records.Declared(cols)
	} else {
		cols := make([]schema.Column, 0, len(prior))
		for _, pc := range prior {
			t, err := schema.ParseType(pc.Type)
			if err != nil {
				return nil, fmt.Errorf("state column %s: %w", pc.Name, err)
			}
			cols = append(cols, schema.Column{Name: pc.Name, Type: t})
		}
		l.Layout = records.Inferred(cols, inf)
	}
	for _, k := range ep.Key {
		if i, ok := l.Index[k]; ok {
			l.key = append(l.key, i)
		}
	}
	if i, ok := l.Index[ep.Cursor]; ok && ep.Cursor != "" {
		l.cursor = i
	}
	return l, nil
}

// schema is the lake schema: data columns, then _source, _account,
// _window_start, _extracted_at.
func (l *layout) schema() schema.Schema {
	return l.Schema(
		schema.Column{Name: "_source", Type: schema.TString},
		schema.Column{Name: "_account", Type: schema.TString},
		schema.Column{Name: "_window_start", Type: schema.TTimestamp},
		schema.Column{Name: "_extracted_at", Type: schema.TTimestamp},
	)
}

func (l *layout) stateColumns() []stateColumn {
	if l.Declared {
		return nil
	}
	out := make([]stateColumn, len(l.Cols))
	for i, c := range l.Cols {
		out[i] = stateColumn{Name: c.Name, Type: c.Type.String()}
	}
	return out
}

// observe adds a page's records to the inference (undeclared types only).
func observe(ep *Endpoint, inf *records.Inference, recs []any) error {
	for i, r := range recs {
		obj, ok := r.(map[string]any)
		if !ok {
			return fmt.Errorf("record %d is %s, want an object", i, records.Kind(r))
		}
		if len(ep.Fields) > 0 {
			for _, f := range ep.Fields {
				if f.Type != "" {
					continue
				}
				v, _ := records.MustPath(orDefault(f.Path, f.Name)).Lookup(obj)
				inf.Types[f.Name] = records.Widen(inf.Types[f.Name], records.ValueType(v))
			}
			continue
		}
		inf.Observe(obj)
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
// after the decoded value of each data column in vals (len(l.Cols)).
func (l *layout) row(obj map[string]any, reserved []schema.Value, vals []any, dst schema.Row) (schema.Row, error) {
	return l.Row(obj, reserved, vals, dst)
}

// fingerprint identifies a record version: account + key + cursor when a
// key is declared, else account + the whole record.
func (l *layout) fingerprint(account string, obj map[string]any, vals []any) uint64 {
	var scratch [128]byte
	b := append(scratch[:0], account...)
	b = append(b, 0)
	if len(l.key) == 0 {
		return fnv64a(records.AppendJSON(b, obj)) // map keys sorted: canonical
	}
	for _, i := range l.key {
		b = records.AppendJSON(b, vals[i])
		b = append(b, 0)
	}
	if l.cursor >= 0 {
		b = records.AppendJSON(b, vals[l.cursor])
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

// holds reports whether every type in inf fits the layout's columns as
// they are (no new column, no widening).
func (l *layout) holds(inf *records.Inference) bool { return l.Holds(inf) }
