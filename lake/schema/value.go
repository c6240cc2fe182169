package schema

import (
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
)

// Value is one cell, in the physical form the Parquet writer stores for the
// column's Kind. Build values only with the constructors below; a row is a
// []Value in schema column order.
type Value = parquet.Value

// Row is one record, its values in schema column order.
type Row = []Value

// NullValue is the missing value of any nullable column.
func NullValue() Value { return parquet.NullValue() }

// BoolValue is a Bool value.
func BoolValue(b bool) Value { return parquet.BooleanValue(b) }

// Int32Value is an Int8, Int16, Int32 or Date (days since epoch) value.
func Int32Value(v int32) Value { return parquet.Int32Value(v) }

// Int64Value is an Int64, Timestamp (µs since epoch) or Time (µs since midnight) value.
func Int64Value(v int64) Value { return parquet.Int64Value(v) }

// Uint32Value is a Uint8, Uint16 or Uint32 value (stored as INT32 bits).
func Uint32Value(v uint32) Value { return parquet.Int32Value(int32(v)) }

// Uint64Value is a Uint64 value (stored as INT64 bits, annotated unsigned).
func Uint64Value(v uint64) Value { return parquet.Int64Value(int64(v)) }

// Float32Value is a Float32 value.
func Float32Value(v float32) Value { return parquet.FloatValue(v) }

// Float64Value is a Float64 value.
func Float64Value(v float64) Value { return parquet.DoubleValue(v) }

// StringValue is a String or JSON value.
func StringValue(s string) Value { return parquet.ByteArrayValue([]byte(s)) }

// BytesValue is a Bytes, String or JSON value. It keeps b: do not reuse it.
func BytesValue(b []byte) Value { return parquet.ByteArrayValue(b) }

// DateValue is the Date value of t's calendar day in UTC.
func DateValue(t time.Time) Value {
	return parquet.Int32Value(int32(DaysSinceEpoch(t)))
}

// DaysSinceEpoch counts whole days from 1970-01-01 to t's day in UTC.
func DaysSinceEpoch(t time.Time) int64 {
	y, m, d := t.UTC().Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return day.Unix() / 86400
}

// TimestampValue is the Timestamp value of t, truncated to microseconds.
func TimestampValue(t time.Time) Value { return parquet.Int64Value(t.UnixMicro()) }

// TimeValue is a Time value from a duration since midnight.
func TimeValue(d time.Duration) Value { return parquet.Int64Value(d.Microseconds()) }

// ParseDecimal reads a decimal literal ("-12.345", "1e3" is not accepted)
// exactly, as a value of decimal type t. Fewer fraction digits than the
// scale are padded; more, or too many integer digits, are an error: values
// are never rounded silently.
func ParseDecimal(t Type, s string) (Value, error) {
	unscaled, err := parseUnscaled(t, s)
	if err != nil {
		return Value{}, err
	}
	return DecimalFromUnscaled(t, unscaled), nil
}

func parseUnscaled(t Type, s string) (*big.Int, error) {
	orig := s
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" {
		return nil, fmt.Errorf("decimal %q: not a number", orig)
	}
	for _, part := range [2]string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return nil, fmt.Errorf("decimal %q: not a number", orig)
			}
		}
	}
	if len(frac) > t.Scale {
		// Trailing zeros beyond the scale lose nothing.
		trimmed := strings.TrimRight(frac[t.Scale:], "0")
		if trimmed != "" {
			return nil, fmt.Errorf("decimal %q: more than %d fraction digits for %s", orig, t.Scale, t)
		}
		frac = frac[:t.Scale]
	}
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart) > t.Precision-t.Scale {
		return nil, fmt.Errorf("decimal %q: does not fit %s", orig, t)
	}
	digits := intPart + frac + strings.Repeat("0", t.Scale-len(frac))
	u := new(big.Int)
	if digits != "" {
		u.SetString(digits, 10)
	}
	if neg {
		u.Neg(u)
	}
	return u, nil
}

// DecimalFromUnscaled encodes unscaled*10^-scale for decimal type t: INT32
// up to precision 9, INT64 up to 18, 16-byte big-endian two's complement
// FIXED_LEN_BYTE_ARRAY above.
func DecimalFromUnscaled(t Type, unscaled *big.Int) Value {
	switch {
	case t.Precision <= 9:
		return parquet.Int32Value(int32(unscaled.Int64()))
	case t.Precision <= 18:
		return parquet.Int64Value(unscaled.Int64())
	}
	return parquet.FixedLenByteArrayValue(twosComplement16(unscaled))
}

func twosComplement16(u *big.Int) []byte {
	b := make([]byte, 16)
	if u.Sign() >= 0 {
		u.FillBytes(b)
		return b
	}
	// Two's complement of a negative number: 2^128 + u.
	m := new(big.Int).Lsh(big.NewInt(1), 128)
	m.Add(m, u)
	m.FillBytes(b)
	return b
}

// DecimalUnscaled returns the unscaled integer of a decimal value of type t.
func DecimalUnscaled(t Type, v Value) *big.Int {
	switch {
	case t.Precision <= 9:
		return big.NewInt(int64(v.Int32()))
	case t.Precision <= 18:
		return big.NewInt(v.Int64())
	}
	return SignedBigEndian(v.ByteArray())
}

// SignedBigEndian reads b, big-endian two's complement of any length, as
// an integer: the FIXED_LEN_BYTE_ARRAY and BYTE_ARRAY forms of a decimal.
func SignedBigEndian(b []byte) *big.Int {
	u := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		u.Sub(u, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return u
}

// FormatDecimal renders a decimal value of type t as an exact literal
// with exactly Scale fraction digits.
func FormatDecimal(t Type, v Value) string {
	u := DecimalUnscaled(t, v)
	neg := u.Sign() < 0
	digits := new(big.Int).Abs(u).String()
	if t.Scale > 0 {
		if len(digits) <= t.Scale {
			digits = strings.Repeat("0", t.Scale-len(digits)+1) + digits
		}
		digits = digits[:len(digits)-t.Scale] + "." + digits[len(digits)-t.Scale:]
	}
	if neg {
		return "-" + digits
	}
	return digits
}

// Go converts a non-null value of type t to a plain Go value: bool, int64,
// uint64, float64, string (String, JSON, and Decimal as an exact literal),
// []byte, time.Time (Date and Timestamp, UTC) or time.Duration (Time).
// A null value returns nil.
func Go(t Type, v Value) any {
	if v.IsNull() {
		return nil
	}
	switch t.Kind {
	case Bool:
		return v.Boolean()
	case Int8, Int16, Int32:
		return int64(v.Int32())
	case Int64:
		return v.Int64()
	case Uint8, Uint16, Uint32:
		return uint64(uint32(v.Int32()))
	case Uint64:
		return uint64(v.Int64())
	case Float32:
		return float64(v.Float())
	case Float64:
		return v.Double()
	case Decimal:
		return FormatDecimal(t, v)
	case String, JSON:
		return string(v.ByteArray())
	case Bytes:
		return v.ByteArray()
	case Date:
		return time.Unix(int64(v.Int32())*86400, 0).UTC()
	case Timestamp:
		return time.UnixMicro(v.Int64()).UTC()
	case Time:
		return time.Duration(v.Int64()) * time.Microsecond
	}
	return nil
}
