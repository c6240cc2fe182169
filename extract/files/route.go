package files

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/lakectl/lakectl/lake/table"
)

// Route sends the objects whose key (relative to the source) matches Re
// to Table, in which {group} names a named group of Re.
type Route struct {
	Re    *regexp.Regexp
	Table string
}

// groupRef is a {name} in a route's table.
var groupRef = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// ParseRoute reads "REGEX=TABLE". The table is after the last '=' (a
// regex may hold '=', a table name cannot); every {group} it names must
// be a named group of the regex.
func ParseRoute(s string) (Route, error) {
	i := strings.LastIndex(s, "=")
	if i <= 0 || i == len(s)-1 {
		return Route{}, &RouteError{Route: s, Reason: "want REGEX=TABLE"}
	}
	re, err := regexp.Compile(s[:i])
	if err != nil {
		return Route{}, &RouteError{Route: s, Reason: err.Error()}
	}
	r := Route{Re: re, Table: s[i+1:]}
	names := map[string]bool{}
	for _, n := range re.SubexpNames() {
		names[n] = n != ""
	}
	for _, m := range groupRef.FindAllStringSubmatch(r.Table, -1) {
		if !names[m[1]] {
			return Route{}, &RouteError{Route: s, Reason: fmt.Sprintf("table names {%s}, which is not a named group (?P<%s>...) of the regex", m[1], m[1])}
		}
	}
	if !strings.Contains(r.Table, "{") {
		if err := table.ValidateName(r.Table); err != nil {
			return Route{}, &RouteError{Route: s, Reason: err.Error()}
		}
	}
	return r, nil
}

// RouteError is a route that cannot be used.
type RouteError struct {
	Route, Reason string
}

func (e *RouteError) Error() string { return fmt.Sprintf("route %q: %s", e.Route, e.Reason) }

// match returns the table of the first route matching key; ok is false
// when none does. A table that the groups make invalid is an error.
func match(routes []Route, key string) (string, bool, error) {
	for _, r := range routes {
		m := r.Re.FindStringSubmatchIndex(key)
		if m == nil {
			continue
		}
		name := groupRef.ReplaceAllStringFunc(r.Table, func(ref string) string {
			g := r.Re.SubexpIndex(ref[1 : len(ref)-1])
			if g < 0 || m[2*g] < 0 {
				return ""
			}
			return tablePart(key[m[2*g]:m[2*g+1]])
		})
		if err := table.ValidateName(name); err != nil {
			return "", true, fmt.Errorf("route %s=%s gives table %q: %w", r.Re, r.Table, name, err)
		}
		return name, true, nil
	}
	return "", false, nil
}

// tablePart makes a group's value part of a table name: lowercase, any
// other character than a-z, 0-9 and _ as '_' (stream names use '-').
func tablePart(s string) string {
	b := []byte(strings.ToLower(s))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}
