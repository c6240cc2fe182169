package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// jsonPath is a parsed records/field path: JSON pointer ("/data/items",
// RFC 6901 escapes) or dotted ("data.items"); empty means the value itself.
type jsonPath []string

func parsePath(s string) (jsonPath, error) {
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

func mustPath(s string) jsonPath {
	p, _ := parsePath(s) // validated with the spec
	return p
}

// lookup follows p into a decoded JSON value (objects by key, arrays by index).
func (p jsonPath) lookup(v any) (any, bool) {
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

func (p jsonPath) String() string {
	if len(p) == 0 {
		return "(the body)"
	}
	return strings.Join(p, ".")
}

// decodeBody parses a response body with numbers kept exact (json.Number).
func decodeBody(body []byte) (any, error) {
	v, err := parseJSON(body)
	if err != nil {
		if len(bytes.TrimSpace(body)) == 0 {
			return nil, fmt.Errorf("empty body, want JSON")
		}
		if errors.Is(err, errTrailing) {
			return nil, err
		}
		return nil, fmt.Errorf("body is not valid JSON (truncated or not JSON): %v", err)
	}
	return v, nil
}

// recordsOf returns the records at p in a decoded body. A null at the
// path is an empty page; a missing path or a non-array is an error.
func recordsOf(body any, p jsonPath) ([]any, error) {
	v, ok := p.lookup(body)
	if !ok {
		return nil, fmt.Errorf("records path %s is absent from the response", p)
	}
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		return x, nil
	}
	return nil, fmt.Errorf("records path %s holds %s, want an array", p, jsonKind(v))
}

// scalarString renders a token-like value (cursor, next URL, total) as text;
// "" for null, absent, objects and arrays.
func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}
