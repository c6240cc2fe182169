package compact

import (
	"fmt"
	"math/big"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/lake/schema"
)

// unionSchema is schema.Union of base and add (the lake's one widening
// rule, shared with the catalog) when compaction can also convert every
// widened column's narrower values; anything else is an error naming the
// column.
func unionSchema(base, add schema.Schema) (schema.Schema, error) {
	out, err := schema.Union(base, add)
	if err != nil {
		return schema.Schema{}, err
	}
	for _, side := range []schema.Schema{base, add} {
		for _, c := range side.Columns {
			to := out.Columns[out.Index(c.Name)].Type
			if _, ok := converter(c.Type, to); !ok {
				return schema.Schema{}, fmt.Errorf("column %s: %s widens to %s, but compaction cannot convert it", c.Name, c.Type, to)
			}
		}
	}
	return out, nil
}

// valueConv converts a non-NULL value of one type to a wider type.
type valueConv func(parquet.Value) parquet.Value

// converter returns the conversion of values from one type to another
// (nil when the physical form is the same), or false when lakectl has none.
func converter(from, to schema.Type) (valueConv, bool) {
	if from == to {
		return nil, true
	}
	fk, tk := from.Kind, to.Kind
	switch {
	case fk.IsInt() && tk.IsInt():
		if physical64(fk) == physical64(tk) {
			return nil, true // same INT32/INT64 bits, and the value fits
		}
		return func(v parquet.Value) parquet.Value { return parquet.Int64Value(intOf(fk, v).Int64()) }, true
	case fk == schema.Float32 && tk == schema.Float64:
		return func(v parquet.Value) parquet.Value { return parquet.DoubleValue(float64(v.Float())) }, true
	case fk == schema.Decimal && tk == schema.Decimal && from.Scale == to.Scale:
		return func(v parquet.Value) parquet.Value {
			return schema.DecimalFromUnscaled(to, schema.DecimalUnscaled(from, v))
		}, true
	case fk.IsInt() && tk == schema.Decimal:
		scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(to.Scale)), nil)
		return func(v parquet.Value) parquet.Value {
			return schema.DecimalFromUnscaled(to, new(big.Int).Mul(intOf(fk, v), scale))
		}, true
	}
	return nil, false
}

func physical64(k schema.Kind) bool { return k.Bits() == 64 }

// intOf reads an integer value of kind k (INT32 or INT64 bits, signed or
// unsigned) exactly.
func intOf(k schema.Kind, v parquet.Value) *big.Int {
	switch {
	case k.IsSignedInt() && k.Bits() <= 32:
		return big.NewInt(int64(v.Int32()))
	case k.IsSignedInt():
		return big.NewInt(v.Int64())
	case k.Bits() <= 32:
		return big.NewInt(int64(uint32(v.Int32())))
	}
	return new(big.Int).SetUint64(uint64(v.Int64()))
}

// rowMap maps the rows of one input file onto the union schema.
type rowMap struct {
	src  []int       // per output column: the input column, or -1 (NULL)
	conv []valueConv // per output column: nil for none
}

func newRowMap(in, out schema.Schema) (*rowMap, error) {
	m := &rowMap{src: make([]int, len(out.Columns)), conv: make([]valueConv, len(out.Columns))}
	for j, oc := range out.Columns {
		i := in.Index(oc.Name)
		m.src[j] = i
		if i < 0 {
			if !oc.Nullable {
				return nil, fmt.Errorf("column %s is missing and NOT NULL", oc.Name)
			}
			continue
		}
		conv, ok := converter(in.Columns[i].Type, oc.Type)
		if !ok {
			return nil, fmt.Errorf("column %s: no conversion from %s to %s", oc.Name, in.Columns[i].Type, oc.Type)
		}
		m.conv[j] = conv
	}
	return m, nil
}

// apply writes the output row for in into out (reusing its array).
func (m *rowMap) apply(out, in schema.Row) schema.Row {
	out = out[:0]
	for j, i := range m.src {
		if i < 0 || in[i].IsNull() {
			out = append(out, schema.NullValue())
			continue
		}
		v := in[i]
		if c := m.conv[j]; c != nil {
			v = c(v)
		}
		out = append(out, v)
	}
	return out
}
