package records

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/lakectl/lakectl/lake/schema"
	"github.com/parquet-go/parquet-go"
)

// Convertible reports whether API values can be converted to t.
func Convertible(t schema.Type) bool {
	switch t.Kind {
	case schema.Bool, schema.Int8, schema.Int16, schema.Int32, schema.Int64, schema.Float32, schema.Float64,
		schema.Decimal, schema.String, schema.JSON, schema.Date, schema.Timestamp:
		return true
	}
	return false
}

// Convert turns a decoded JSON value into a lake value of type t. A value
// that does not fit is an error, never rounded or dropped silently.
func Convert(v any, t schema.Type, format string) (schema.Value, error) {
	if v == nil {
		return schema.NullValue(), nil
	}
	switch t.Kind {
	case schema.String:
		return convertString(v), nil
	case schema.JSON:
		return schema.BytesValue(AppendJSON(nil, v)), nil
	case schema.Bool:
		return convertBool(v, t)
	case schema.Int8, schema.Int16, schema.Int32, schema.Int64:
		return convertInt(v, t)
	case schema.Float32, schema.Float64:
		return convertFloat(v, t)
	case schema.Decimal:
		return convertDecimal(v, t)
	case schema.Timestamp, schema.Date:
		tm, err := ParseTime(v, format)
		if err != nil {
			return schema.Value{}, err
		}
		if t.Kind == schema.Date {
			return schema.DateValue(tm), nil
		}
		return schema.TimestampValue(tm), nil
	}
	return schema.Value{}, mismatch(v, t)
}

// mismatch is the error of a JSON value whose kind cannot be a t.
func mismatch(v any, t schema.Type) error {
	return fmt.Errorf("a JSON %s cannot be a %s", strings.TrimPrefix(strings.TrimPrefix(Kind(v), "an "), "a "), t)
}

// convertString keeps strings and number text as they are; any other
// value becomes its JSON text.
func convertString(v any) schema.Value {
	switch x := v.(type) {
	case string:
		return stringValue(x)
	case json.Number:
		return stringValue(string(x))
	case bool:
		return schema.StringValue(strconv.FormatBool(x))
	}
	return schema.BytesValue(AppendJSON(nil, v))
}

// convertBool takes a JSON boolean or a string strconv.ParseBool reads.
func convertBool(v any, t schema.Type) (schema.Value, error) {
	switch x := v.(type) {
	case bool:
		return schema.BoolValue(x), nil
	case string:
		b, err := strconv.ParseBool(x)
		if err != nil {
			return schema.Value{}, fmt.Errorf("%q is not a boolean", x)
		}
		return schema.BoolValue(b), nil
	}
	return schema.Value{}, mismatch(v, t)
}

// convertInt takes an integer that fits t's bits, from a number or its text.
func convertInt(v any, t schema.Type) (schema.Value, error) {
	s, ok := numberText(v)
	if !ok {
		return schema.Value{}, mismatch(v, t)
	}
	n, err := strconv.ParseInt(s, 10, t.Kind.Bits())
	if err != nil {
		return schema.Value{}, fmt.Errorf("%s does not fit %s", s, t)
	}
	if t.Kind == schema.Int64 {
		return schema.Int64Value(n), nil
	}
	return schema.Int32Value(int32(n)), nil
}

// convertFloat takes a finite number, from a number or its text.
func convertFloat(v any, t schema.Type) (schema.Value, error) {
	s, ok := numberText(v)
	if !ok {
		return schema.Value{}, mismatch(v, t)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return schema.Value{}, fmt.Errorf("%s is not a %s", s, t)
	}
	if t.Kind == schema.Float32 {
		return schema.Float32Value(float32(f)), nil
	}
	return schema.Float64Value(f), nil
}

// convertDecimal takes a number, or its text, that t holds exactly.
func convertDecimal(v any, t schema.Type) (schema.Value, error) {
	s, ok := numberText(v)
	if !ok {
		return schema.Value{}, mismatch(v, t)
	}
	if strings.ContainsAny(s, "eE") { // exponent form: exact through big.Rat
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			return schema.Value{}, fmt.Errorf("%s is not a decimal", s)
		}
		s = r.FloatString(t.Scale)
	}
	if v, ok := smallDecimal(t, s); ok {
		return v, nil
	}
	return schema.ParseDecimal(t, s)
}

// stringValue is schema.StringValue without copying the bytes: a Go
// string never changes, and a lake value's bytes are only read.
func stringValue(s string) schema.Value {
	if s == "" {
		return schema.StringValue(s)
	}
	return schema.BytesValue(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// smallDecimal is schema.ParseDecimal for a plain literal whose unscaled
// value has at most 18 digits (the common case), without math/big; ok
// is false for anything else, which ParseDecimal then reads or refuses.
func smallDecimal(t schema.Type, s string) (schema.Value, bool) {
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" || len(frac) > t.Scale {
		return schema.Value{}, false
	}
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart) > t.Precision-t.Scale || len(intPart)+t.Scale > 18 {
		return schema.Value{}, false
	}
	var u uint64
	for _, part := range [2]string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			c := part[i]
			if c < '0' || c > '9' {
				return schema.Value{}, false
			}
			u = u*10 + uint64(c-'0')
		}
	}
	for range t.Scale - len(frac) {
		u *= 10
	}
	n := int64(u) // below 10^18
	if neg {
		n = -n
	}
	switch {
	case t.Precision <= 9:
		return schema.Int32Value(int32(n)), true
	case t.Precision <= 18:
		return schema.Int64Value(n), true
	}
	var b [16]byte // big-endian two's complement
	binary.BigEndian.PutUint64(b[8:], uint64(n))
	if n < 0 {
		binary.BigEndian.PutUint64(b[:8], math.MaxUint64)
	}
	return parquet.FixedLenByteArrayValue(b[:]), true
}

// numberText is the literal of a number or numeric string.
func numberText(v any) (string, bool) {
	switch x := v.(type) {
	case json.Number:
		return x.String(), true
	case string:
		s := strings.TrimSpace(x)
		return s, s != ""
	}
	return "", false
}

// ParseTime reads a timestamp: format "unix" / "unix_ms" for epoch
// numbers, a Go layout, or (default) RFC 3339, "2006-01-02 15:04:05" and
// "2006-01-02", all UTC unless the text carries an offset.
func ParseTime(v any, format string) (time.Time, error) {
	if format == "unix" || format == "unix_ms" {
		s, ok := numberText(v)
		if !ok {
			return time.Time{}, fmt.Errorf("want epoch seconds, got %s", Kind(v))
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q is not an epoch time", s)
		}
		if format == "unix_ms" {
			return time.UnixMilli(int64(f)).UTC(), nil
		}
		return time.UnixMicro(int64(f * 1e6)).UTC(), nil
	}
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fmt.Errorf("want a time string, got %s", Kind(v))
	}
	layouts := []string{format}
	if format == "" {
		layouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", time.DateOnly}
	}
	for _, l := range layouts {
		if tm, err := time.Parse(l, s); err == nil {
			return tm.UTC(), nil
		}
	}
	if format == "" {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time; set the field's format", s)
	}
	return time.Time{}, fmt.Errorf("%q does not match format %q", s, format)
}

// Kind names a decoded JSON value's kind with its article, for messages.
func Kind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "null"
}
