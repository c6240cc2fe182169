package records

import (
	"fmt"
	"strconv"
	"strings"
)

// Path is a parsed records/field path: JSON pointer ("/data/items",
// RFC 6901 escapes) or dotted ("data.items"); empty means the value itself.
type Path []string

// ParsePath parses a JSON pointer or a dotted path.
func ParsePath(s string) (Path, error) {
	if s == "" || s == "/" || s == "." {
		return nil, nil
	}
	if strings.HasPrefix(s, "/") {
		parts := strings.Split(s[1:], "/")
		for i, p := range parts {
			p = strings.ReplaceAll(p, "~1", "/")
			parts[i] = strings.ReplaceAll(p, "~0", "~")
		}
		return parts, nil
	}
	parts := strings.Split(s, ".")
	for _, p := range parts {
		if p == "" {
			return nil, fmt.Errorf("path %q has an empty segment", s)
		}
	}
	return parts, nil
}

// MustPath parses a path validated before (an invalid one is empty).
func MustPath(s string) Path {
	p, _ := ParsePath(s)
	return p
}

// Lookup follows p into a decoded JSON value (objects by key, arrays by index).
func (p Path) Lookup(v any) (any, bool) {
	for _, seg := range p {
		switch x := v.(type) {
		case map[string]any:
			n, ok := x[seg]
			if !ok {
				return nil, false
			}
			v = n
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

func (p Path) String() string {
	if len(p) == 0 {
		return "(the body)"
	}
	return strings.Join(p, ".")
}
