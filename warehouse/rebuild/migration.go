package rebuild

import (
	"bytes"
	"strings"
	"text/template"

	"github.com/lakectl/lakectl/internal/input"
)

// MigrationData are the variables a migration file can use, as Go
// template fields. Table, NewTable and OldTable are quoted and
// schema-qualified: {{.Table}} is the table being rebuilt, {{.NewTable}}
// the table the migration must create (<table>__rebuild), {{.OldTable}}
// the name the current table gets at the swap (<table>__old). Schema,
// Name and NewName are unquoted; LakeTable is the lake table loaded.
type MigrationData struct {
	Table, NewTable, OldTable string
	Schema, Name, NewName     string
	LakeTable                 string
}

// renderMigration renders the migration and splits it into statements.
func renderMigration(text string, data MigrationData) ([]string, error) {
	t, err := template.New("migration").Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, input.Errorf("%s file: %v", input.Option("migration"), err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return nil, input.Errorf("%s file: %v", input.Option("migration"), err)
	}
	stmts := splitStatements(buf.String())
	if len(stmts) == 0 {
		return nil, input.Errorf("%s file holds no SQL statement: it must create {{.NewTable}}", input.Option("migration"))
	}
	if !isInPlace(stmts, data) && !strings.Contains(buf.String(), data.NewTable) && !strings.Contains(strings.ToLower(buf.String()), strings.ToLower(data.NewName)) {
		return nil, input.Errorf("%s file never names {{.NewTable}} (%s): it must create the new table, e.g. CREATE TABLE {{.NewTable}} (...), or hold only in-place ALTERs of {{.Table}} (VARCHAR widening, DISTKEY, SORTKEY, ENCODE)", input.Option("migration"), data.NewTable)
	}
	return stmts, nil
}

// splitStatements cuts SQL at semicolons outside quotes and comments.
// Dollar-quoted bodies are not understood (a migration has no functions).
func splitStatements(sql string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" && !onlyComments(s) {
			out = append(out, s)
		}
		cur.Reset()
	}
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(sql) {
				if sql[j] == c {
					if j+1 < len(sql) && sql[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			end := min(j+1, len(sql))
			cur.WriteString(sql[i:end])
			i = end - 1
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			j := strings.IndexByte(sql[i:], '\n')
			if j < 0 {
				j = len(sql) - i
			}
			cur.WriteString(sql[i : i+j])
			i += j - 1
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			j := strings.Index(sql[i+2:], "*/")
			end := len(sql)
			if j >= 0 {
				end = i + 2 + j + 2
			}
			cur.WriteString(sql[i:end])
			i = end - 1
		case c == ';':
			flush()
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return out
}

// onlyComments says s holds nothing but SQL comments.
func onlyComments(s string) bool {
	for _, line := range strings.Split(s, "\n") {
		l := strings.TrimSpace(line)
		if l != "" && !strings.HasPrefix(l, "--") {
			return strings.HasPrefix(l, "/*") && strings.HasSuffix(l, "*/")
		}
	}
	return true
}
