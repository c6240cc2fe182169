package mysql

import (
	"database/sql/driver"
	"math"
	"testing"

	"github.com/lakectl/lakectl/lake/schema"
)

// TestDriverValuesConvertLikeTheirText pins the fast path: a value the
// driver hands over already parsed (int64, uint64, float32, float64)
// becomes the same lake value, and counts the same source bytes, as its
// text would through database/sql's RawBytes path.
func TestDriverValuesConvertLikeTheirText(t *testing.T) {
	col := func(k schema.Type, c conv) column {
		return column{Column: schema.Column{Name: "c", Type: k, Nullable: true}, conv: c}
	}
	cases := []struct {
		col column
		v   driver.Value
	}{
		{col(schema.TInt64, convInt), int64(math.MinInt64)},
		{col(schema.TInt64, convInt), int64(math.MaxInt64)},
		{col(schema.TInt32, convInt), int64(-2147483648)},
		{col(schema.TInt8, convInt), int64(-128)},
		{col(schema.TUint32, convUint), int64(4294967295)},
		{col(schema.TUint64, convUint), uint64(math.MaxUint64)},
		{col(schema.TUint64, convUint), int64(7)},
		{col(schema.TBool, convBool), int64(2)},
		{col(schema.TBool, convBool), int64(0)},
		{col(schema.TInt32, convYear), int64(2024)},
		{col(schema.TInt32, convYear), int64(0)}, // zero year: NULL
		{col(schema.TFloat64, convFloat64), 0.1},
		{col(schema.TFloat64, convFloat64), -1.7976931348623157e308},
		{col(schema.TFloat32, convFloat32), float32(3.4028235e38)},
		{col(schema.TFloat32, convFloat32), float32(-0.1)},
		{col(schema.DecimalOf(12, 2), convDecimal), []byte("-1234567890.12")},
		{col(schema.TString, convString), []byte("ünï😀")},
		{col(schema.TString, convString), nil},
	}
	for _, tc := range cases {
		fast := newConverter([]column{tc.col})
		slow := newConverter([]column{tc.col})
		var got, want schema.Value
		n, err := fast.fromDriver(&got, 0, tc.v)
		if err != nil {
			t.Fatalf("%T %v: %v", tc.v, tc.v, err)
		}
		text := appendText(nil, tc.v)
		if tc.v == nil {
			text = nil
		}
		err = slow.value(&want, 0, text)
		if err != nil {
			t.Fatalf("%T %v as text %q: %v", tc.v, tc.v, text, err)
		}
		g, w := schema.Go(tc.col.Type, got), schema.Go(tc.col.Type, want)
		if g != w || got.IsNull() != want.IsNull() || got.Kind() != want.Kind() {
			t.Errorf("%s %T %v: fast path %v (%v), text path %v (%v)", tc.col.Type, tc.v, tc.v, g, got.Kind(), w, want.Kind())
		}
		if n != len(text) && !isFloat(tc.v) {
			t.Errorf("%T %v: counted %d source bytes, its text has %d", tc.v, tc.v, n, len(text))
		}
		if fast.zeroDates != slow.zeroDates {
			t.Errorf("%T %v: zero dates %d, text path %d", tc.v, tc.v, fast.zeroDates, slow.zeroDates)
		}
	}
}

func isFloat(v driver.Value) bool {
	switch v.(type) {
	case float32, float64:
		return true
	}
	return false
}

// TestDatetimeDayCacheReadsLikeParseDatetime: a datetime column's cached
// date gives what a fresh parse gives, across date changes, zero dates
// and bad values that follow a cached date.
func TestDatetimeDayCacheReadsLikeParseDatetime(t *testing.T) {
	c := newConverter([]column{{Column: schema.Column{Name: "t", Type: schema.TTimestamp, Nullable: true}, conv: convDatetime}})
	for _, s := range []string{
		"2024-03-01 10:00:00", "2024-03-01 23:59:59.999999", "2024-03-01 00:00:00.5",
		"2024-03-01T10:00:00", "2024-03-01 24:00:00", "2024-03-01 10:00", "2024-03-01 10:00:00.1234567",
		"2024-03-02 00:00:01", "0000-00-00 00:00:00", "2024-03-02 00:00:02", "1969-12-31 23:59:59.000001",
		"1969-12-31 00:00:00", "2024-03-0x 00:00:00",
	} {
		us, zero, ok := c.datetime(0, []byte(s))
		wus, wzero, wok := parseDatetime([]byte(s))
		if us != wus || zero != wzero || ok != wok {
			t.Errorf("%q: cached %d %v %v, parsed %d %v %v", s, us, zero, ok, wus, wzero, wok)
		}
	}
}
