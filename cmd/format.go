package cmd

import "fmt"

// Small helpers for turning flags, config and results into text.

// firstString is the first non-empty value: flag, then config, then default.
func firstString(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// firstNonEmpty is a when given, else b.
func firstNonEmpty(a, b []string) []string {
	if len(a) > 0 {
		return a
	}
	return b
}

// orNone shows an empty value as (none).
func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// humanBytes renders a size in binary units, as people read sizes.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
