package records

import (
	"encoding/json"
	"slices"
)

// AppendJSON appends json.Marshal(v)'s bytes (fingerprints kept in job
// states depend on them, and JSON columns hold them) without reflection
// for the values the parser gives: objects (keys sorted), arrays, plain
// strings, numbers (valid by construction), booleans and null. Anything
// else goes through json.Marshal; a value it cannot encode appends
// nothing.
func AppendJSON(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		if x {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case json.Number:
		if x != "" {
			return append(b, x...)
		}
	case string:
		if plainJSONString(x) {
			b = append(b, '"')
			b = append(b, x...)
			return append(b, '"')
		}
	case map[string]any:
		if x == nil {
			return append(b, "null"...)
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendJSON(b, k)
			b = append(b, ':')
			b = AppendJSON(b, x[k])
		}
		return append(b, '}')
	case []any:
		if x == nil {
			return append(b, "null"...)
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendJSON(b, e)
		}
		return append(b, ']')
	}
	m, _ := json.Marshal(v)
	return append(b, m...)
}

// plainJSONString: json.Marshal writes s between quotes unchanged
// (printable ASCII, nothing it escapes).
func plainJSONString(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}
