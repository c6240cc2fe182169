package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/lakectl/lakectl/extract/records"
)

// jsonPath is a parsed records/field path (records.Path).
type jsonPath = records.Path

func parsePath(s string) (jsonPath, error) { return records.ParsePath(s) }

func mustPath(s string) jsonPath { return records.MustPath(s) }

// decodeBody parses a response body with numbers kept exact (json.Number).
// Its strings share the body's bytes: a body is never changed once read.
func decodeBody(body []byte) (any, error) {
	v, err := records.ParseShared(body)
	if err != nil {
		if len(bytes.TrimSpace(body)) == 0 {
			return nil, fmt.Errorf("empty body, want JSON")
		}
		if errors.Is(err, records.ErrTrailing) {
			return nil, err
		}
		return nil, fmt.Errorf("body is not valid JSON (truncated or not JSON): %v", err)
	}
	return v, nil
}

// recordsOf returns the records at p in a decoded body. A null at the
// path is an empty page; a missing path or a non-array is an error.
func recordsOf(body any, p jsonPath) ([]any, error) {
	v, ok := p.Lookup(body)
	if !ok {
		return nil, fmt.Errorf("records path %s is absent from the response", p)
	}
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		return x, nil
	}
	return nil, fmt.Errorf("records path %s holds %s, want an array", p, records.Kind(v))
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
