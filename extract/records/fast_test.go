package records

import (
	"reflect"
	"testing"

	"github.com/lakectl/lakectl/lake/schema"
)

var fastLiterals = []string{"0", "-0", "+0", "7", "-7", "007", "1.", ".5", "-.5", "1.25", "-1.25", "12.50", "1.2500",
	"999999999999999999", "1000000000000000000", "-999999999999999999", "123456789.123456789", "1.1234567890123456789",
	"12345678901234567890123456789012345678", "1e3", "1.5E-2", "--1", "-", "+", ".", "", "1.2.3", "1a", "0x10", "١"}

// The fast paths must agree with the general readers on every literal.
func TestFastNumberPathsMatch(t *testing.T) {
	types := []schema.Type{schema.DecimalOf(38, 0), schema.DecimalOf(38, 2), schema.DecimalOf(38, 9),
		schema.DecimalOf(18, 4), schema.DecimalOf(9, 2), schema.DecimalOf(20, 18), schema.DecimalOf(38, 20)}
	fast := 0
	for _, s := range fastLiterals {
		if got, want := numberType(s), numberTypeSlow(s); got != want {
			t.Errorf("numberType(%q) = %v, want %v", s, got, want)
		}
		for _, typ := range types {
			v, ok := smallDecimal(typ, s)
			if !ok {
				continue
			}
			fast++
			want, err := schema.ParseDecimal(typ, s)
			if err != nil {
				t.Errorf("smallDecimal(%s, %q) took a literal ParseDecimal refuses: %v", typ, s, err)
				continue
			}
			if schema.FormatDecimal(typ, v) != schema.FormatDecimal(typ, want) || !schemaValuesEqual(v, want) {
				t.Errorf("smallDecimal(%s, %q) = %s, want %s", typ, s, schema.FormatDecimal(typ, v), schema.FormatDecimal(typ, want))
			}
		}
	}
	if fast < 40 {
		t.Errorf("the fast path took %d literals, want most of the plain ones", fast)
	}
}

func schemaValuesEqual(a, b schema.Value) bool {
	return a.Kind() == b.Kind() && string(a.Bytes()) == string(b.Bytes())
}

// A stream with shared keys and shared bytes decodes every value of the
// corpus as encoding/json does, and a value stays as decoded however the
// other values are parsed.
func TestStreamMatchesEncodingJSON(t *testing.T) {
	for _, shared := range []bool{false, true} {
		s := Stream{Shared: shared}
		var kept []any
		for _, in := range jsonCorpus {
			want, wantOK := stdDecode([]byte(in))
			b := []byte(in + "\n" + in) // twice: the second reuses the keys
			for range 2 {
				got, next, err := s.Next(b, 0)
				if wantOK && (err != nil || !reflect.DeepEqual(got, want)) {
					t.Errorf("shared %v: Next(%q) = %#v, %v; encoding/json = %#v", shared, in, got, err, want)
				}
				if wantOK {
					kept = append(kept, got)
				}
				b = b[next:]
			}
		}
		i := 0
		for _, in := range jsonCorpus {
			if want, ok := stdDecode([]byte(in)); ok {
				for range 2 {
					if !reflect.DeepEqual(kept[i], want) {
						t.Errorf("shared %v: value of %q changed to %#v", shared, in, kept[i])
					}
					i++
				}
			}
		}
	}
}

// ParseShared gives what ParseJSON gives.
func TestParseSharedMatchesParseJSON(t *testing.T) {
	for _, in := range jsonCorpus {
		want, wantErr := ParseJSON([]byte(in))
		got, err := ParseShared([]byte(in))
		if (err == nil) != (wantErr == nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("ParseShared(%q) = %#v, %v; ParseJSON = %#v, %v", in, got, err, want, wantErr)
		}
	}
}
