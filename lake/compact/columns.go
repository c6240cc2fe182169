package compact

import (
	"errors"
	"io"
	"reflect"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// colGroup is one input row group in the output's columns: src[c] is the
// input's column chunk holding output column c, or -1 (NULLs).
type colGroup struct {
	rg  parquet.RowGroup
	src []int
}

// columnGroups returns the input's row groups mapped onto the output's
// columns when they can be merged column by column, without converting
// rows: the input has the output's schema, or its columns are some of the
// output's stored alike (another tool's file, or one written before a
// column was added). The missing columns read as NULLs.
func (o *outWriter) columnGroups(oi openInput) ([]colGroup, bool) {
	from := oi.file.Schema()
	if !(oi.in.schema.Equal(o.union) && parquet.EqualNodes(o.schema, from)) && !storedAlike(o.schema, from) {
		return nil, false
	}
	src := make([]int, len(o.schema.Fields()))
	for c, f := range o.schema.Fields() {
		src[c] = -1
		if leaf, ok := from.Lookup(f.Name()); ok {
			src[c] = leaf.ColumnIndex
		}
	}
	rgs := oi.file.RowGroups()
	out := make([]colGroup, len(rgs))
	for i, rg := range rgs {
		out[i] = colGroup{rg: rg, src: src}
	}
	return out, true
}

// identity reports whether g's columns are the output's, in order.
func (g colGroup) identity() bool {
	for c, s := range g.src {
		if s != c {
			return false
		}
	}
	return len(g.rg.ColumnChunks()) == len(g.src)
}

// valueBatch is the values read or written per step of the column path.
const valueBatch = 4096

// fillColumn passes output column c of the groups, in order, to write:
// the input's values as stored, or NULLs where the input lacks the column.
// A read error is the input's (a *badInputError).
func fillColumn(c int, groups []colGroup, keys []string, write func([]parquet.Value) error) error {
	buf := make([]parquet.Value, valueBatch)
	for i, g := range groups {
		if g.src[c] < 0 {
			if err := writeNulls(c, g.rg.NumRows(), buf, write); err != nil {
				return err
			}
			continue
		}
		r := parquet.NewColumnChunkValueReader(g.rg.ColumnChunks()[g.src[c]])
		err := copyValues(r, buf, write)
		_ = r.Close()
		if rerr, ok := err.(readError); ok {
			return &badInputError{key: keys[i], err: rerr.err}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// readError marks a failure to read an input's values.
type readError struct{ err error }

func (e readError) Error() string { return e.err.Error() }

func copyValues(r parquet.ValueReader, buf []parquet.Value, write func([]parquet.Value) error) error {
	for {
		n, err := r.ReadValues(buf)
		if n > 0 {
			if werr := write(buf[:n]); werr != nil {
				return werr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return readError{err}
		}
	}
}

func writeNulls(c int, rows int64, buf []parquet.Value, write func([]parquet.Value) error) error {
	null := parquet.NullValue().Level(0, 0, c)
	for i := range buf {
		buf[i] = null
	}
	for rows > 0 {
		n := min(rows, int64(len(buf)))
		if err := write(buf[:n]); err != nil {
			return err
		}
		rows -= n
	}
	return nil
}

// storedAlike reports whether every column of from is a top-level column
// of to with the same physical type, repetition and logical type (a
// timestamp's UTC flag aside: lakectl reads both as one instant), and
// every column of to missing from from is optional. Then from's column
// chunks hold to's values as they are.
func storedAlike(to, from parquet.Node) bool {
	want := map[string]parquet.Field{}
	for _, f := range to.Fields() {
		want[f.Name()] = f
	}
	seen := 0
	for _, f := range from.Fields() {
		t, ok := want[f.Name()]
		if !ok || !sameLeaf(t, f) {
			return false
		}
		seen++
	}
	if seen == len(want) {
		return true
	}
	have := map[string]bool{}
	for _, f := range from.Fields() {
		have[f.Name()] = true
	}
	for name, t := range want {
		if !have[name] && !t.Optional() {
			return false
		}
	}
	return true
}

func sameLeaf(a, b parquet.Node) bool {
	if !a.Leaf() || !b.Leaf() || a.Optional() != b.Optional() || a.Repeated() || b.Repeated() {
		return false
	}
	ta, tb := a.Type(), b.Type()
	if ta.Kind() != tb.Kind() || ta.Length() != tb.Length() {
		return false
	}
	va, vb := logicalValue(ta.LogicalType()), logicalValue(tb.LogicalType())
	if sa, ok := va.(*format.TimestampType); ok {
		if sb, ok := vb.(*format.TimestampType); ok {
			return reflect.DeepEqual(sa.Unit, sb.Unit)
		}
	}
	return reflect.DeepEqual(va, vb)
}

func logicalValue(l *format.LogicalType) format.LogicalTypeValue {
	if l == nil {
		return nil
	}
	return l.Value
}
