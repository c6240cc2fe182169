package api

import (
	"encoding/json"
	"strings"

	"github.com/lakectl/lakectl/lake/schema"
)

// Inferred types: integers are int64, numbers with a fraction are
// decimal(38,S) with S the most fraction digits seen (float64 beyond 18
// or with an exponent), text is string, objects and arrays are json. A
// column keeps one type across pages and runs: widen merges what a new
// value needs into what the column has, never splitting it.
const inferPrecision = 38

// valueType is the type a JSON value needs; Invalid for null.
func valueType(v any) schema.Type {
	switch x := v.(type) {
	case nil:
		return schema.Type{}
	case bool:
		return schema.TBool
	case string:
		return schema.TString
	case json.Number:
		s := x.String()
		if strings.ContainsAny(s, "eE") {
			return schema.TFloat64
		}
		intPart, frac, hasFrac := strings.Cut(strings.TrimLeft(s, "-+"), ".")
		if !hasFrac {
			if _, err := x.Int64(); err == nil {
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
	return schema.TJSON
}

// widen returns the narrowest type holding every value of a and of b.
func widen(a, b schema.Type) schema.Type {
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

// columnName turns a JSON key into a lake column name: lowercase, every
// run of other characters as one '_'.
func columnName(key string) string {
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

// inference accumulates column types over records.
type inference struct {
	types map[string]schema.Type
	names map[string]string // JSON key -> column name, a cache
}

func newInference() *inference {
	return &inference{types: map[string]schema.Type{}, names: map[string]string{}}
}

// column is columnName(key), cached: records of a page repeat their keys.
func (in *inference) column(key string) string {
	if n, ok := in.names[key]; ok {
		return n
	}
	n := columnName(key)
	if len(in.names) < maxCachedKeys {
		in.names[key] = n
	}
	return n
}

// maxCachedKeys bounds the key caches, for APIs whose keys are data.
const maxCachedKeys = 4096

func (in *inference) merge(o *inference) {
	for k, t := range o.types {
		in.types[k] = widen(in.types[k], t)
	}
}
