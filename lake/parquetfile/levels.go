package parquetfile

import (
	"unsafe"

	"github.com/parquet-go/parquet-go"
)

// valueLayout mirrors parquet.Value's fields, to set a value's levels
// without calling Value.Level: Level does not inline (its range check
// panics), and one call per value of every nullable column was a tenth
// of a MySQL extract's CPU. levelsInline checks the mirror against Level
// once; if a parquet-go release changes the layout, Level is used again.
type valueLayout struct {
	ptr             unsafe.Pointer
	u64             uint64
	kind            int8
	definitionLevel byte
	repetitionLevel byte
	columnIndex     uint16
}

var levelsInline = mirrorMatches()

// mirrorMatches reports whether withLevels gives what Value.Level gives.
func mirrorMatches() bool {
	if unsafe.Sizeof(parquet.Value{}) != unsafe.Sizeof(valueLayout{}) {
		return false
	}
	vals := []parquet.Value{parquet.ByteArrayValue([]byte("abc")), parquet.Int64Value(-5),
		parquet.Int32Value(7), parquet.BooleanValue(true), parquet.DoubleValue(1.5), parquet.NullValue()}
	for _, v := range vals {
		for _, c := range []int{0, 1, 255, 300, parquet.MaxColumnIndex} {
			for def := range 2 {
				if withLevels(v, byte(def), c) != v.Level(0, def, c) {
					return false
				}
			}
		}
	}
	return true
}

// withLevels is v.Level(0, def, c) for a leaf of a flat schema (c at most
// parquet.MaxColumnIndex, which NewWriter's schema guarantees).
func withLevels(v parquet.Value, def byte, c int) parquet.Value {
	setLevels(&v, def, c)
	return v
}

// setLevels sets *v's levels in place: the narrow stores are not read back
// at once by a wide copy (a stalled store-to-load forwarding when they are).
func setLevels(v *parquet.Value, def byte, c int) {
	l := (*valueLayout)(unsafe.Pointer(v))
	l.repetitionLevel = 0
	l.definitionLevel = def
	l.columnIndex = ^uint16(c)
}
