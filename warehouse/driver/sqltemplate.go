package driver

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"text/template"
)

// ErrUnreachable marks a failure to reach the warehouse at all (network,
// DNS, refused connection), as opposed to an error of a statement. A dry
// run plans offline when it sees it.
var ErrUnreachable = errors.New("warehouse unreachable")

// ErrLoginRefused marks a login the warehouse side refused before any SQL
// (an IAM credential request AWS answered with an error): the server is
// reachable, so it is no ErrUnreachable.
var ErrLoginRefused = errors.New("warehouse login refused")

// ErrConflict marks a transaction that lost a race with a concurrent one
// (DuckDB's optimistic concurrency); the load is retried from the start.
var ErrConflict = errors.New("transaction conflict")

// Templates holds a dialect's SQL statements, one file per statement
// (<name>.sql), parsed once.
type Templates struct {
	t *template.Template
}

// ParseTemplates parses every *.sql file of fsys (the driver's embedded
// folder) as a template named after the file without ".sql". lit renders
// string literals (nil: Literal).
func ParseTemplates(fsys fs.FS, lit func(string) string) (*Templates, error) {
	if lit == nil {
		lit = Literal
	}
	root := template.New("").Funcs(template.FuncMap{
		"lit":    lit,
		"ident":  QuoteIdent,
		"join":   strings.Join,
		"add":    func(a, b int) int { return a + b },
		"joinon": joinOn,
	}).Option("missingkey=error")
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read SQL templates: %w", err)
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".sql")
		if !ok {
			continue
		}
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("read SQL template %s: %w", e.Name(), err)
		}
		if _, err := root.New(name).Parse(string(b)); err != nil {
			return nil, fmt.Errorf("parse SQL template %s: %w", e.Name(), err)
		}
	}
	return &Templates{t: root}, nil
}

// MustParseTemplates is ParseTemplates of the folder dir of a driver's
// embedded files, which are known to parse (a golden test covers every
// template). lit is the dialect's literal function, if not Literal.
func MustParseTemplates(fsys fs.FS, dir string, lit ...func(string) string) *Templates {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	var f func(string) string
	if len(lit) > 0 {
		f = lit[0]
	}
	t, err := ParseTemplates(sub, f)
	if err != nil {
		panic(err)
	}
	return t
}

// Render executes the named template with data (a *Statement for the
// shared statements, driver-specific data for a driver's own ones);
// surrounding blank space is trimmed.
func (t *Templates) Render(name string, data any) (string, error) {
	tt := t.t.Lookup(name)
	if tt == nil {
		return "", fmt.Errorf("no SQL template %q in this dialect", name)
	}
	var buf bytes.Buffer
	if err := tt.Execute(&buf, data); err != nil {
		return "", fmt.Errorf("render SQL template %s: %w", name, err)
	}
	return strings.TrimSpace(buf.String()), nil
}

// Names lists the templates, for golden tests.
func (t *Templates) Names() []string {
	var names []string
	for _, tt := range t.t.Templates() {
		if tt.Name() != "" {
			names = append(names, tt.Name())
		}
	}
	return names
}

// QuoteIdent double-quotes an identifier (the same in all three dialects).
func QuoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// QuoteIdents quotes each of names.
func QuoteIdents(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = QuoteIdent(n)
	}
	return out
}

// QuoteQualified quotes "schema"."table".
func QuoteQualified(schemaName, table string) string {
	return QuoteIdent(schemaName) + "." + QuoteIdent(table)
}

// Literal renders s as a standard SQL string literal.
func Literal(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// BackslashLiteral renders s as a literal of a dialect where a backslash
// in a string literal escapes the next character (Redshift:
// https://docs.aws.amazon.com/redshift/latest/dg/r_Literals.html).
func BackslashLiteral(s string) string {
	return Literal(strings.ReplaceAll(s, `\`, `\\`))
}

// Literaler is a warehouse whose string literals are not Literal's.
type Literaler interface {
	Literal(s string) string
}

// LiteralFor is the string-literal function of w's dialect.
func LiteralFor(w Warehouse) func(string) string {
	if l, ok := w.(Literaler); ok {
		return l.Literal
	}
	return Literal
}

// joinOn renders "a.k1 = b.k1 AND a.k2 = b.k2" for quoted key columns.
func joinOn(a, b string, cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = a + "." + c + " = " + b + "." + c
	}
	return strings.Join(parts, " AND ")
}
