package parquetfile

import (
	"fmt"
	"math"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/lake/schema"
)

// ParquetSchema maps a lake schema to the Parquet schema lakectl writes,
// columns in declared order:
//
//	Int8..Int64      INT32/INT64 INT(bits, signed)
//	Uint8..Uint64    INT32/INT64 INT(bits, unsigned)
//	Float32/Float64  FLOAT/DOUBLE
//	Decimal(p,s)     INT32 (p<=9), INT64 (p<=18), FIXED_LEN_BYTE_ARRAY(16); DECIMAL(p,s)
//	String           BYTE_ARRAY STRING
//	JSON             BYTE_ARRAY JSON
//	Bytes            BYTE_ARRAY
//	Date             INT32 DATE
//	Timestamp        INT64 TIMESTAMP(MICROS, isAdjustedToUTC=true)
//	Time             INT64 TIME(MICROS, isAdjustedToUTC=false)
//	Bool             BOOLEAN
//
// Nullable columns are OPTIONAL, the others REQUIRED.
func ParquetSchema(s schema.Schema) (*parquet.Schema, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("parquet schema: %w", err)
	}
	names := make([]string, len(s.Columns))
	nodes := make([]parquet.Node, len(s.Columns))
	for i, c := range s.Columns {
		n, err := leafNode(c.Type)
		if err != nil {
			return nil, fmt.Errorf("parquet schema: column %q: %w", c.Name, err)
		}
		if c.Nullable {
			n = parquet.Optional(n)
		} else {
			n = parquet.Required(n)
		}
		names[i], nodes[i] = c.Name, n
	}
	return parquet.NewSchema("schema", newOrderedGroup(names, nodes)), nil
}

func leafNode(t schema.Type) (parquet.Node, error) {
	switch t.Kind {
	case schema.Bool:
		return parquet.Leaf(parquet.BooleanType), nil
	case schema.Int8, schema.Int16, schema.Int32, schema.Int64:
		return parquet.Int(t.Kind.Bits()), nil
	case schema.Uint8, schema.Uint16, schema.Uint32, schema.Uint64:
		return parquet.Uint(t.Kind.Bits()), nil
	case schema.Float32:
		return parquet.Leaf(parquet.FloatType), nil
	case schema.Float64:
		return parquet.Leaf(parquet.DoubleType), nil
	case schema.Decimal:
		switch {
		case t.Precision <= 9:
			return parquet.Decimal(t.Scale, t.Precision, parquet.Int32Type), nil
		case t.Precision <= 18:
			return parquet.Decimal(t.Scale, t.Precision, parquet.Int64Type), nil
		}
		return parquet.Decimal(t.Scale, t.Precision, parquet.FixedLenByteArrayType(16)), nil
	case schema.String:
		return parquet.String(), nil
	case schema.JSON:
		return parquet.JSON(), nil
	case schema.Bytes:
		return parquet.Leaf(parquet.ByteArrayType), nil
	case schema.Date:
		return parquet.Date(), nil
	case schema.Timestamp:
		return parquet.Timestamp(parquet.Microsecond), nil
	case schema.Time:
		// Not UTC-adjusted: a wall-clock time of day (MySQL TIME). DuckDB reads
		// a UTC-adjusted TIME as TIME WITH TIME ZONE.
		return parquet.TimeAdjusted(parquet.Microsecond, false), nil
	}
	return nil, fmt.Errorf("type %s has no Parquet mapping", t)
}

// valueCheck is what the writer verifies for every value of one column:
// its physical kind, and for narrow integers, its range.
type valueCheck struct {
	kind     parquet.Kind
	length   int   // FIXED_LEN_BYTE_ARRAY only
	min, max int64 // narrow integers only (min < max when set)
	unsigned bool  // range applies to the uint32 reading of the bits
}

func checkOf(t schema.Type) valueCheck {
	switch t.Kind {
	case schema.Bool:
		return valueCheck{kind: parquet.Boolean}
	case schema.Int8:
		return valueCheck{kind: parquet.Int32, min: math.MinInt8, max: math.MaxInt8}
	case schema.Int16:
		return valueCheck{kind: parquet.Int32, min: math.MinInt16, max: math.MaxInt16}
	case schema.Uint8:
		return valueCheck{kind: parquet.Int32, max: math.MaxUint8, unsigned: true}
	case schema.Uint16:
		return valueCheck{kind: parquet.Int32, max: math.MaxUint16, unsigned: true}
	case schema.Int32, schema.Uint32, schema.Date:
		return valueCheck{kind: parquet.Int32}
	case schema.Int64, schema.Uint64, schema.Timestamp, schema.Time:
		return valueCheck{kind: parquet.Int64}
	case schema.Float32:
		return valueCheck{kind: parquet.Float}
	case schema.Float64:
		return valueCheck{kind: parquet.Double}
	case schema.Decimal:
		switch {
		case t.Precision <= 9:
			return valueCheck{kind: parquet.Int32}
		case t.Precision <= 18:
			return valueCheck{kind: parquet.Int64}
		}
		return valueCheck{kind: parquet.FixedLenByteArray, length: 16}
	}
	return valueCheck{kind: parquet.ByteArray}
}

// check returns why v does not fit the column, or "".
func (c *valueCheck) check(v parquet.Value) string {
	if k := v.Kind(); k != c.kind {
		return fmt.Sprintf("value of physical kind %s, want %s", k, c.kind)
	}
	if c.length > 0 && len(v.ByteArray()) != c.length {
		return fmt.Sprintf("%d-byte value, want %d bytes", len(v.ByteArray()), c.length)
	}
	if c.max != 0 {
		x := int64(v.Int32())
		if c.unsigned {
			x = int64(uint32(v.Int32()))
		}
		if x < c.min || x > c.max {
			return fmt.Sprintf("value %d out of range %d..%d", x, c.min, c.max)
		}
	}
	return ""
}
