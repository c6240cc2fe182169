package schema

import "fmt"

// Widens reports whether every value of type from is exactly a value of
// type to, so that data written as from reads unchanged as to. This is the
// one widening rule: the catalog's compatibility check and compaction's
// union of file schemas both follow it.
//
//	any type                   -> itself
//	intN                       -> intM, M > N
//	uintN                      -> uintM or intM, M > N
//	float32                    -> float64
//	decimal(p,s)               -> decimal(q,s), q > p
//	any integer                -> decimal(p,s) with p-s >= the integer's digits
func Widens(from, to Type) bool {
	fk, tk := from.Kind, to.Kind
	switch {
	case from == to:
		return true
	case fk.IsSignedInt() && tk.IsSignedInt(), fk.IsUnsignedInt() && tk.IsUnsignedInt(), fk.IsUnsignedInt() && tk.IsSignedInt():
		return tk.Bits() > fk.Bits()
	case fk == Float32 && tk == Float64:
		return true
	case fk == Decimal && tk == Decimal:
		return from.Scale == to.Scale && to.Precision > from.Precision
	case fk.IsInt() && tk == Decimal:
		return to.Precision-to.Scale >= fk.Digits()
	}
	return false
}

// Digits is the number of decimal digits of the largest magnitude of an
// integer kind (0 for other kinds).
func (k Kind) Digits() int {
	switch k {
	case Int8, Uint8:
		return 3
	case Int16, Uint16:
		return 5
	case Int32, Uint32:
		return 10
	case Int64:
		return 19
	case Uint64:
		return 20
	}
	return 0
}

// Unify returns the wider of a and b when one widens to the other.
func Unify(a, b Type) (Type, bool) {
	switch {
	case Widens(a, b):
		return b, true
	case Widens(b, a):
		return a, true
	}
	return Type{}, false
}

// ConflictError says a column has types in two schemas that do not unify.
type ConflictError struct {
	Column string
	A, B   Type
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("column %s is %s in one and %s in the other, and neither type holds the other", e.Column, e.A, e.B)
}

// Union is the schema that describes rows of base and rows of add
// together: base's columns in base's order, then add's new columns in add's
// order (columns matched by name, case-insensitive); a column's type is the
// wider of its two types (Unify); a column missing from one side, or
// nullable in either, is nullable. Types that do not unify are a
// *ConflictError.
func Union(base, add Schema) (Schema, error) {
	out := Schema{Columns: make([]Column, 0, len(base.Columns)+len(add.Columns))}
	for _, c := range base.Columns {
		i := add.Index(c.Name)
		if i < 0 {
			c.Nullable = true
			out.Columns = append(out.Columns, c)
			continue
		}
		o := add.Columns[i]
		t, ok := Unify(c.Type, o.Type)
		if !ok {
			return Schema{}, &ConflictError{Column: c.Name, A: c.Type, B: o.Type}
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
