package parquetfile

import (
	"unsafe"

	"github.com/parquet-go/parquet-go"
)

// valueLayout mirrors parquet.Value's fields, to read a value's kind and
// set its levels in place. Value.Level does not inline (its range check
// panics), and one call per value of every nullable column was a tenth
// of a MySQL extract's CPU. levelsInline checks the mirror against the
// methods once; if a parquet-go release changes the layout, the methods
// are used again.
type valueLayout struct {
	ptr             unsafe.Pointer
	u64             uint64
	kind            int8
	definitionLevel byte
	repetitionLevel byte
	columnIndex     uint16
}

var levelsInline = mirrorMatches()

// mirrorMatches reports whether the mirror reads and sets what
// parquet.Value's methods do.
func mirrorMatches() bool {
	if unsafe.Sizeof(parquet.Value{}) != unsafe.Sizeof(valueLayout{}) {
		return false
	}
	vals := []parquet.Value{parquet.ByteArrayValue([]byte("abc")), parquet.Int64Value(-5),
		parquet.Int32Value(7), parquet.BooleanValue(true), parquet.DoubleValue(1.5), parquet.NullValue()}
	for _, v := range vals {
		for _, c := range []int{0, 1, 255, 300, parquet.MaxColumnIndex} {
			for def := range 2 {
				x := v
				if mirrorLevels(&x, byte(def), c); x != v.Level(0, def, c) {
					return false
				}
				l := (*valueLayout)(unsafe.Pointer(&v))
				if ^parquet.Kind(l.kind) != v.Kind() || (l.kind == 0) != v.IsNull() {
					return false
				}
				if v.Kind() == parquet.ByteArray && int(l.u64) != len(v.ByteArray()) || v.IsNull() && l.u64 != 0 {
					return false
				}
			}
		}
	}
	return true
}

// setLevels sets *v's levels in place: the narrow stores are not read back
// at once by a wide copy (a stalled store-to-load forwarding when they are).
func setLevels(v *parquet.Value, def byte, c int) {
	if !levelsInline {
		*v = v.Level(0, int(def), c)
		return
	}
	mirrorLevels(v, def, c)
}

// mirrorLevels is *v = v.Level(0, def, c) through the mirror, for a leaf
// of a flat schema (c at most parquet.MaxColumnIndex, which NewWriter's
// schema guarantees).
func mirrorLevels(v *parquet.Value, def byte, c int) {
	l := (*valueLayout)(unsafe.Pointer(v))
	l.repetitionLevel = 0
	l.definitionLevel = def
	l.columnIndex = ^uint16(c)
}

// kindOf is v.Kind() and v.IsNull(), read in place.
func kindOf(v *parquet.Value) (parquet.Kind, bool) {
	if !levelsInline {
		return v.Kind(), v.IsNull()
	}
	k := (*valueLayout)(unsafe.Pointer(v)).kind
	return ^parquet.Kind(k), k == 0
}

// byteLen is len(v.ByteArray()) of a BYTE_ARRAY value, 0 for NULL, read
// in place.
func byteLen(v *parquet.Value) int {
	if !levelsInline {
		return len(v.ByteArray())
	}
	return int((*valueLayout)(unsafe.Pointer(v)).u64)
}
