package compact

import (
	"fmt"
	"math/big"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/lake/schema"
)

// unionSchema is the schema that holds the rows of base and add: base's
// columns in base's order, then add's new columns; a column's type is the
// wider one when one widens to the other (catalog's rules) and
// lakectl can convert the narrower values; a column missing from one side
// or nullable in either is nullable. Anything else is an error naming the
// column.
func unionSchema(base, add schema.Schema) (schema.Schema, error) {
	out := schema.Schema{Columns: make([]schema.Column, 0, len(base.Columns)+len(add.Columns))}
	for _, c := range base.Columns {
		i := add.Index(c.Name)
		if i < 0 {
			c.Nullable = true
			out.Columns = append(out.Columns, c)
			continue
		}
		o := add.Columns[i]
		t, err := unifyType(c.Name, c.Type, o.Type)
		if err != nil {
			return schema.Schema{}, err
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

// unifyType returns the wider of a and b when catalog.Compare calls the
// change from the narrower to it a widening and convertValue handles it.
func unifyType(col string, a, b schema.Type) (schema.Type, error) {
	if a == b {
		return a, nil
	}
	for _, p := range [][2]schema.Type{{a, b}, {b, a}} {
		from, to := p[0], p[1]
		if widens(from, to) {
			if _, ok := converter(from, to); ok {
				return to, nil
			}
			return schema.Type{}, fmt.Errorf("column %s: %s widens to %s, but compaction cannot convert it", col, from, to)
		}
	}
	return schema.Type{}, fmt.Errorf("column %s is %s in one file and %s in another, and neither type holds the other", col, a, b)
}

// widens reports whether every value of type from is exactly a value of
// type to. These are catalog's widening rules (catalog.Compare), repeated
// here because lake must not import catalog (catalog imports lake).
func widens(from, to schema.Type) bool {
	fk, tk := from.Kind, to.Kind
	switch {
	case from == to:
		return true
	case fk.IsSignedInt() && tk.IsSignedInt(), fk.IsUnsignedInt() && tk.IsUnsignedInt(), fk.IsUnsignedInt() && tk.IsSignedInt():
		return tk.Bits() > fk.Bits()
	case fk == schema.Float32 && tk == schema.Float64:
		return true
	case fk == schema.Decimal && tk == schema.Decimal:
		return from.Scale == to.Scale && to.Precision > from.Precision
	case fk.IsInt() && tk == schema.Decimal:
		return to.Precision-to.Scale >= intDigits(fk)
	}
	return false
}

// intDigits is the number of decimal digits of the largest magnitude of an
// integer kind.
func intDigits(k schema.Kind) int {
	switch k {
	case schema.Int8, schema.Uint8:
		return 3
	case schema.Int16, schema.Uint16:
		return 5
	case schema.Int32, schema.Uint32:
		return 10
	case schema.Int64:
		return 19
	}
	return 20 // Uint64
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
	def  []int       // per output column: its definition level when not NULL
}

func newRowMap(in, out schema.Schema) (*rowMap, error) {
	m := &rowMap{src: make([]int, len(out.Columns)), conv: make([]valueConv, len(out.Columns)), def: make([]int, len(out.Columns))}
	for j, oc := range out.Columns {
		if oc.Nullable {
			m.def[j] = 1
		}
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

// apply writes the output row for in into out (reusing its array) with
// Parquet levels set.
func (m *rowMap) apply(out parquet.Row, in []parquet.Value) parquet.Row {
	out = out[:0]
	for j, i := range m.src {
		if i < 0 || in[i].IsNull() {
			out = append(out, parquet.NullValue().Level(0, 0, j))
			continue
		}
		v := in[i]
		if c := m.conv[j]; c != nil {
			v = c(v)
		}
		out = append(out, v.Level(0, m.def[j], j))
	}
	return out
}
