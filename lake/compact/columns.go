package compact

import (
	"reflect"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// columnGroups returns the input's row groups in the output's schema when
// they can be merged column by column, without converting rows: the input
// has the output's schema, or its columns are some of the output's stored
// alike (another tool's file, or one written before a column was added).
// The missing columns read as NULLs.
func (o *outWriter) columnGroups(oi openInput) ([]parquet.RowGroup, bool) {
	from := oi.file.Schema()
	if oi.in.schema.Equal(o.union) && parquet.EqualNodes(o.schema, from) {
		return oi.file.RowGroups(), true
	}
	if !storedAlike(o.schema, from) {
		return nil, false
	}
	conv, err := parquet.Convert(o.schema, from)
	if err != nil {
		return nil, false
	}
	rgs := oi.file.RowGroups()
	out := make([]parquet.RowGroup, len(rgs))
	for i, rg := range rgs {
		out[i] = parquet.ConvertRowGroup(rg, conv)
	}
	return out, true
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
