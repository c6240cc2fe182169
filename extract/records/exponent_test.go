package records

import (
	"encoding/json"
	"testing"

	"github.com/lakectl/lakectl/lake/schema"
)

// A number in exponent form is the decimal that holds it exactly, so that
// a field whose writer prints small values with exponents (1.2e-05) stays
// one decimal column across objects; float64 only when no decimal(38,<=18)
// holds it.
func TestExponentNumbersAreExactDecimalsWhereTheyFit(t *testing.T) {
	for _, tc := range []struct {
		lit  string
		want schema.Type
	}{
		{"1.2e-05", schema.DecimalOf(38, 6)},
		{"1E3", schema.DecimalOf(38, 0)},
		{"-2.5e+2", schema.DecimalOf(38, 0)},
		{"6.25e-2", schema.DecimalOf(38, 4)},
		{"1e-19", schema.TFloat64},
		{"1.5e40", schema.TFloat64},
		{"1.2345678901234567e-10", schema.TFloat64},
	} {
		if got := numberType(tc.lit); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.lit, got, tc.want)
		}
	}
	col := Widen(numberType("0.5"), numberType("1.2e-05"))
	v, err := Convert(json.Number("1.2e-05"), col, "")
	if err != nil || col.Kind != schema.Decimal {
		t.Fatalf("convert 1.2e-05 into %v: %v %v", col, v, err)
	}
}
