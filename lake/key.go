package lake

import (
	"fmt"
	"strings"
)

// Names the file store keeps for itself inside its folder; keys may not use
// them, and List never shows them.
const (
	tempPrefix = ".lakectl-tmp-"
)

// ValidKey checks that key is a store key: non-empty, '/'-separated,
// relative, without empty, "." or ".." segments, and not one of the file
// store's own temporary names. Both stores apply it so that a lake moved
// between S3 and a folder keeps the same keys.
func ValidKey(key string) error {
	if key == "" {
		return fmt.Errorf("invalid object key %q: empty", key)
	}
	if strings.HasPrefix(key, "/") {
		return fmt.Errorf("invalid object key %q: keys are relative to the lake root and must not start with '/'", key)
	}
	if strings.ContainsAny(key, "\x00\\") {
		return fmt.Errorf("invalid object key %q: NUL and backslash are not allowed", key)
	}
	for _, seg := range strings.Split(key, "/") {
		switch {
		case seg == "":
			return fmt.Errorf("invalid object key %q: empty path segment", key)
		case seg == "." || seg == "..":
			return fmt.Errorf("invalid object key %q: '.' and '..' segments are not allowed", key)
		case strings.HasPrefix(seg, tempPrefix):
			return fmt.Errorf("invalid object key %q: names starting with %s are reserved", key, tempPrefix)
		}
	}
	return nil
}

// Join joins key segments with '/', dropping empty ones and the slashes at
// their ends, so Join("tables/", "t", "x.parquet") is "tables/t/x.parquet".
func Join(parts ...string) string {
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		p = strings.Trim(p, "/")
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "/")
}

// validRange checks a GetRange's key and offset, as every store does.
func validRange(key string, offset int64) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	if offset < 0 {
		return fmt.Errorf("get %s: negative offset %d", key, offset)
	}
	return nil
}
