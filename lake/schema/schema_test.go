package schema

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

func TestTypeStringParsesBack(t *testing.T) {
	for k := Bool; k <= JSON; k++ {
		typ := Type{Kind: k}
		if k == Decimal {
			typ = DecimalOf(38, 9)
		}
		got, err := ParseType(typ.String())
		if err != nil || got != typ {
			t.Errorf("ParseType(%q) = %v, %v", typ.String(), got, err)
		}
	}
	for _, bad := range []string{"", "int128", "decimal(39,0)", "decimal(5,6)", "decimal(x,1)", "decimal(5)"} {
		if _, err := ParseType(bad); err == nil {
			t.Errorf("ParseType(%q): want an error", bad)
		}
	}
}

func TestSchemaJSONRoundTripAndFingerprint(t *testing.T) {
	s := Schema{Columns: []Column{{Name: "id", Type: TUint64}, {Name: "amount", Type: DecimalOf(18, 4), Nullable: true}}}
	b, err := json.Marshal(s)
	if err != nil || !strings.Contains(string(b), `"decimal(18,4)"`) {
		t.Fatalf("%s %v", b, err)
	}
	var back Schema
	if err := json.Unmarshal(b, &back); err != nil || !back.Equal(s) || back.Fingerprint() != s.Fingerprint() {
		t.Fatalf("round trip: %+v %v", back, err)
	}
	other := Schema{Columns: []Column{{Name: "id", Type: TUint64}, {Name: "amount", Type: DecimalOf(18, 4)}}}
	if other.Fingerprint() == s.Fingerprint() {
		t.Fatal("nullability does not change the fingerprint")
	}
}

func TestSchemaValidate(t *testing.T) {
	cases := map[string]Schema{
		"empty":     {},
		"no name":   {Columns: []Column{{Type: TInt64}}},
		"duplicate": {Columns: []Column{{Name: "a", Type: TInt64}, {Name: "A", Type: TString}}},
		"bad type":  {Columns: []Column{{Name: "a", Type: Type{Kind: Int64, Scale: 2}}}},
	}
	for name, s := range cases {
		if s.Validate() == nil {
			t.Errorf("%s: want an error", name)
		}
	}
	if i := (Schema{Columns: []Column{{Name: "Id", Type: TInt64}}}).Index("id"); i != 0 {
		t.Errorf("Index is not case-insensitive: %d", i)
	}
}

func TestDecimalParseFormatExact(t *testing.T) {
	cases := []struct {
		typ      Type
		in, want string
	}{
		{DecimalOf(38, 9), "99999999999999999999999999999.999999999", "99999999999999999999999999999.999999999"},
		{DecimalOf(38, 9), "-99999999999999999999999999999.999999999", "-99999999999999999999999999999.999999999"},
		{DecimalOf(38, 9), "0.000000001", "0.000000001"},
		{DecimalOf(18, 4), "-12.5", "-12.5000"},
		{DecimalOf(18, 4), "922337203685.4775", "922337203685.4775"},
		{DecimalOf(9, 2), "1234567.89", "1234567.89"},
		{DecimalOf(9, 2), "-0.01", "-0.01"},
		{DecimalOf(5, 0), "00042", "42"},
		{DecimalOf(10, 2), "3.1400", "3.14"},
	}
	for _, c := range cases {
		v, err := ParseDecimal(c.typ, c.in)
		if err != nil {
			t.Errorf("ParseDecimal(%s, %q): %v", c.typ, c.in, err)
			continue
		}
		if got := FormatDecimal(c.typ, v); got != c.want {
			t.Errorf("%s %q: formatted %q, want %q", c.typ, c.in, got, c.want)
		}
	}
	for _, bad := range []struct {
		typ Type
		in  string
	}{{DecimalOf(5, 2), "1234.5"}, {DecimalOf(5, 2), "1.234"}, {DecimalOf(5, 2), "1e3"}, {DecimalOf(5, 2), ""}, {DecimalOf(5, 2), "-"}, {DecimalOf(5, 2), "1.2.3"}} {
		if _, err := ParseDecimal(bad.typ, bad.in); err == nil {
			t.Errorf("ParseDecimal(%s, %q): want an error, values are never rounded", bad.typ, bad.in)
		}
	}
}

func TestGoConvertsEveryKind(t *testing.T) {
	ts := time.Date(1900, 1, 1, 0, 0, 0, 123456000, time.UTC)
	cases := []struct {
		typ  Type
		v    Value
		want any
	}{
		{TBool, BoolValue(true), true},
		{TInt8, Int32Value(-128), int64(-128)},
		{TInt64, Int64Value(math.MinInt64), int64(math.MinInt64)},
		{TUint32, Uint32Value(math.MaxUint32), uint64(math.MaxUint32)},
		{TUint64, Uint64Value(math.MaxUint64), uint64(math.MaxUint64)},
		{TFloat64, Float64Value(1.5), 1.5},
		{TString, StringValue("🦆"), "🦆"},
		{TJSON, StringValue(`{"a":1}`), `{"a":1}`},
		{TDate, DateValue(time.Date(2100, 12, 31, 23, 0, 0, 0, time.UTC)), time.Date(2100, 12, 31, 0, 0, 0, 0, time.UTC)},
		{TTimestamp, TimestampValue(ts), ts},
		{TTime, TimeValue(86399999999 * time.Microsecond), 86399999999 * time.Microsecond},
	}
	for _, c := range cases {
		got := Go(c.typ, c.v)
		if gt, ok := got.(time.Time); ok {
			if !gt.Equal(c.want.(time.Time)) {
				t.Errorf("%s: got %v, want %v", c.typ, got, c.want)
			}
			continue
		}
		if got != c.want {
			t.Errorf("%s: got %#v, want %#v", c.typ, got, c.want)
		}
	}
	if Go(TInt64, NullValue()) != nil {
		t.Error("null is not nil")
	}
}
