package driver

import (
	"strings"

	"github.com/lakectl/lakectl/lake/schema"
)

// FolderValue is the value of a folder column for the rows of one file:
// a Hive folder key that another tool wrote (dt=2026-03-02/) whose value
// is not in the file, so the driver adds it to every row it copies.
type FolderValue struct {
	Name    string      // column name, unquoted
	Type    schema.Type // the column's lake type
	SQLType string      // the column's type in the warehouse dialect
	Value   string      // the folder value, unescaped
	Null    bool        // Hive's default partition: NULL
}

// Expr is the value as a SQL expression of the column's type; lit quotes
// a string literal in the driver's dialect.
func (v FolderValue) Expr(lit func(string) string) string {
	if v.Null {
		return "CAST(NULL AS " + v.SQLType + ")"
	}
	return "CAST(" + lit(v.Value) + " AS " + v.SQLType + ")"
}

// FolderNames are the quoted folder columns of f.
func FolderNames(f StageFile) []string {
	out := make([]string, len(f.Folder))
	for i, v := range f.Folder {
		out[i] = QuoteIdent(v.Name)
	}
	return out
}

// FolderExprs are the folder values of f as SQL expressions.
func FolderExprs(f StageFile, lit func(string) string) []string {
	out := make([]string, len(f.Folder))
	for i, v := range f.Folder {
		out[i] = v.Expr(lit)
	}
	return out
}

// runKey is what files of one run share: column list and folder values.
func runKey(f StageFile) string {
	var b strings.Builder
	b.WriteString(strings.Join(f.Schema.Names(), "\x00"))
	for _, v := range f.Folder {
		b.WriteString("\x01" + v.Name + "=" + v.Value)
		if v.Null {
			b.WriteString("\x02")
		}
	}
	return b.String()
}
