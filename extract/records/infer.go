// Package records turns decoded JSON records into typed lake rows: the
// type each value needs, widening a column's type as values arrive,
// column names from JSON keys, and the conversion of values into
// schema.Values. Both the API extractor and the landed-files extractor
// use it, so a record becomes the same row whichever way it came.
package records

import (
	"encoding/json"
	"math/big"
	"strconv"
	"strings"

	"github.com/lakectl/lakectl/lake/schema"
)

// Inferred types: integers are int64, numbers with a fraction are
// decimal(38,S) with S the most fraction digits seen (float64 beyond 18
// or with an exponent), text is string, objects and arrays are json. A
// column keeps one type across pages and runs: widen merges what a new
// value needs into what the column has, never splitting it.
const inferPrecision = 38

// ValueType is the type a JSON value needs; Invalid for null.
func ValueType(v any) schema.Type {
	switch x := v.(type) {
	case nil:
		return schema.Type{}
	case bool:
		return schema.TBool
	case string:
		return schema.TString
	case json.Number:
		return numberType(string(x))
	}
	return schema.TJSON
}

// numberType is the type a JSON number literal needs, in one pass over
// its bytes for the common forms.
func numberType(s string) schema.Type {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	intStart := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	intLen := i - intStart
	switch {
	case i == len(s) && intLen > 0 && intLen <= 18:
		return schema.TInt64 // fewer than 19 digits always fit
	case i < len(s) && s[i] == '.':
		fracStart := i + 1
		j := fracStart
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == len(s) && intLen > 0 {
			frac := j - fracStart
			if frac > 18 || intLen+frac > inferPrecision {
				return schema.TFloat64
			}
			return schema.DecimalOf(inferPrecision, frac)
		}
	}
	return numberTypeSlow(s)
}

// numberTypeSlow is numberType for any literal.
func numberTypeSlow(s string) schema.Type {
	if strings.ContainsAny(s, "eE") {
		return exponentType(s)
	}
	intPart, frac, hasFrac := strings.Cut(strings.TrimLeft(s, "-+"), ".")
	if !hasFrac {
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			return schema.TInt64
		}
		if len(intPart) <= inferPrecision {
			return schema.DecimalOf(inferPrecision, 0)
		}
		return schema.TFloat64
	}
	if len(frac) > 18 || len(intPart)+len(frac) > inferPrecision {
		return schema.TFloat64
	}
	return schema.DecimalOf(inferPrecision, len(frac))
}

// exponentType is the type of a literal in exponent form: the decimal
// that holds it exactly when one does (1.2e-05 is 0.000012, scale 6), so
// that a field whose writer switches to exponents for small values stays
// one decimal column; float64 beyond 18 fraction or 38 digits.
func exponentType(s string) schema.Type {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return schema.TFloat64
	}
	// A finite decimal's reduced denominator is 2^a * 5^b: it needs
	// max(a, b) fraction digits.
	d := new(big.Int).Set(r.Denom())
	twos, fives := 0, 0
	for m := new(big.Int); ; twos++ {
		if q, _ := new(big.Int).QuoRem(d, bigTwo, m); m.Sign() != 0 {
			break
		} else {
			d = q
		}
	}
	for m := new(big.Int); ; fives++ {
		if q, _ := new(big.Int).QuoRem(d, bigFive, m); m.Sign() != 0 {
			break
		} else {
			d = q
		}
	}
	if d.Cmp(bigOne) != 0 {
		return schema.TFloat64
	}
	frac := max(twos, fives)
	whole := new(big.Int).Quo(new(big.Int).Abs(r.Num()), r.Denom())
	intDigits := len(whole.String())
	if frac > 18 || intDigits+frac > inferPrecision {
		return schema.TFloat64
	}
	return schema.DecimalOf(inferPrecision, frac)
}

var bigOne, bigTwo, bigFive = big.NewInt(1), big.NewInt(2), big.NewInt(5)

// widen returns the narrowest type holding every value of a and of b.
func Widen(a, b schema.Type) schema.Type {
	switch {
	case a.Kind == schema.Invalid:
		return b
	case b.Kind == schema.Invalid || a == b:
		return a
	case a.Kind == schema.JSON || b.Kind == schema.JSON:
		return schema.TJSON
	case a.Kind == schema.String || b.Kind == schema.String:
		return schema.TString
	case a.Kind == schema.Bool || b.Kind == schema.Bool:
		return schema.TString
	case a.Kind == schema.Float64 || b.Kind == schema.Float64:
		return schema.TFloat64
	case a.Kind == schema.Decimal || b.Kind == schema.Decimal:
		return schema.DecimalOf(inferPrecision, max(a.Scale, b.Scale))
	}
	return schema.TString
}

// ColumnName turns a JSON key into a lake column name: lowercase, every
// run of other characters as one '_'.
func ColumnName(key string) string {
	var sb strings.Builder
	under := false
	for _, r := range strings.ToLower(key) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			sb.WriteRune(r)
			under = false
		} else if !under && sb.Len() > 0 {
			sb.WriteByte('_')
			under = true
		}
	}
	s := strings.TrimSuffix(sb.String(), "_")
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		s = "f_" + s
	}
	return s
}

// Inference accumulates column types over records.
type Inference struct {
	Types map[string]schema.Type
	names map[string]string // JSON key -> column name, a cache
}

// NewInference returns an empty inference.
func NewInference() *Inference {
	return &Inference{Types: map[string]schema.Type{}, names: map[string]string{}}
}

// column is ColumnName(key), cached: records of a page repeat their keys.
func (in *Inference) ColumnOf(key string) string {
	if n, ok := in.names[key]; ok {
		return n
	}
	n := ColumnName(key)
	if len(in.names) < MaxCachedKeys {
		in.names[key] = n
	}
	return n
}

// MaxCachedKeys bounds the key caches, for APIs whose keys are data.
const MaxCachedKeys = 4096

// Merge widens in by every type of o.
func (in *Inference) Merge(o *Inference) {
	for k, t := range o.Types {
		in.Types[k] = Widen(in.Types[k], t)
	}
}

// Observe widens the types by one record's top-level keys.
func (in *Inference) Observe(obj map[string]any) {
	for k, v := range obj {
		name := in.ColumnOf(k)
		old, seen := in.Types[name]
		if t := Widen(old, ValueType(v)); t != old || !seen {
			in.Types[name] = t
		}
	}
}
