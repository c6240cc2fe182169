package docgen

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// ConfigSource is the file whose structs define every config key, relative
// to the repository root.
const ConfigSource = "internal/config/config.go"

// ConfigReference renders docs/config.md from the config structs' fields,
// their mapstructure keys and their comments, so that the reference cannot
// drift from what the loader accepts (an unknown key is an error there).
// Keys without a comment take the usage of the flag of the same name.
func ConfigReference(repoRoot string, root *cobra.Command) (string, error) {
	usage := flagUsages(root)
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filepath.Join(repoRoot, ConfigSource), nil, parser.ParseComments)
	if err != nil {
		return "", err
	}
	structs := map[string]*ast.StructType{}
	ast.Inspect(f, func(n ast.Node) bool {
		if ts, ok := n.(*ast.TypeSpec); ok {
			if st, ok := ts.Type.(*ast.StructType); ok {
				structs[ts.Name.Name] = st
			}
		}
		return true
	})
	var b strings.Builder
	b.WriteString("# Configuration reference\n\n")
	b.WriteString("Generated from `" + ConfigSource + "` by `make generate`; do not edit.\n\n")
	b.WriteString("Precedence: flag > `LAKECTL_<KEY>` environment variable > config file > default. The config\n")
	b.WriteString("file is `--config FILE`, else `./lakectl.yaml`, else `$XDG_CONFIG_HOME/lakectl/config.yaml`.\n")
	b.WriteString("`${VAR}` in values is expanded from the environment. An unknown key is an error (exit 2).\n")
	done := map[string]bool{}
	var render func(name, path string)
	render = func(name, path string) {
		st, ok := structs[name]
		if !ok || done[name] {
			return
		}
		done[name] = true
		fmt.Fprintf(&b, "\n## %s\n\n| key | type | meaning |\n| --- | --- | --- |\n", path)
		var nested [][2]string
		for _, fld := range st.Fields.List {
			key := mapstructureKey(fld)
			if key == "" {
				continue
			}
			typ, elem := typeName(fld.Type)
			doc := fieldDoc(fld)
			if u := usage[strings.ReplaceAll(key, "_", "-")]; u != "" && !strings.Contains(doc, ". ") && !strings.HasSuffix(doc, ".") {
				doc = strings.TrimSpace(doc + " " + strings.ReplaceAll(u, "|", "\\|"))
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", key, typ, doc)
			if _, ok := structs[elem]; ok {
				nested = append(nested, [2]string{elem, nestedPath(path, key, fld.Type)})
			}
		}
		for _, n := range nested {
			render(n[0], n[1])
		}
	}
	render("Config", "top level")
	return b.String(), nil
}

func mapstructureKey(f *ast.Field) string {
	if f.Tag == nil {
		return ""
	}
	tag := reflect.StructTag(strings.Trim(f.Tag.Value, "`")).Get("mapstructure")
	key, _, _ := strings.Cut(tag, ",")
	if key == "-" {
		return ""
	}
	return key
}

// typeName renders a field's type for users, and names the struct it
// holds, if any.
func typeName(e ast.Expr) (string, string) {
	switch t := e.(type) {
	case *ast.Ident:
		switch t.Name {
		case "string", "bool", "int", "int64", "float64":
			return t.Name, ""
		}
		return "mapping", t.Name
	case *ast.ArrayType:
		s, elem := typeName(t.Elt)
		return "list of " + s, elem
	case *ast.MapType:
		s, elem := typeName(t.Value)
		return "mapping of name to " + s, elem
	case *ast.StarExpr:
		return typeName(t.X)
	case *ast.SelectorExpr:
		return t.Sel.Name, ""
	case *ast.InterfaceType:
		return "any", ""
	}
	return "value", ""
}

func nestedPath(path, key string, e ast.Expr) string {
	prefix := key
	if path != "top level" {
		prefix = path + "." + key
	}
	switch e.(type) {
	case *ast.ArrayType:
		return prefix + "[]"
	case *ast.MapType:
		return prefix + ".<name>"
	}
	return prefix
}

// fieldDoc is a field's comments; a comment above a field that is not a
// sentence labels the group of job types the following fields belong to.
func fieldDoc(f *ast.Field) string {
	var parts []string
	if f.Doc != nil {
		d := strings.Join(strings.Fields(f.Doc.Text()), " ")
		if !strings.HasSuffix(d, ".") {
			d = "(" + d + ")"
		}
		parts = append(parts, d)
	}
	if f.Comment != nil {
		parts = append(parts, strings.Join(strings.Fields(f.Comment.Text()), " "))
	}
	return strings.ReplaceAll(strings.Join(parts, " "), "|", "\\|")
}

// flagUsages maps every flag name of the tree to its usage text.
func flagUsages(root *cobra.Command) map[string]string {
	out := map[string]string{}
	VisitFlags(root, func(f *pflag.Flag) {
		if _, ok := out[f.Name]; !ok {
			out[f.Name] = f.Usage
		}
	})
	return out
}

// VisitFlags calls fn for every flag defined on every command of the tree.
func VisitFlags(c *cobra.Command, fn func(*pflag.Flag)) {
	c.PersistentFlags().VisitAll(fn)
	c.LocalFlags().VisitAll(fn)
	for _, s := range c.Commands() {
		VisitFlags(s, fn)
	}
}

// writeConfigReference writes docs/config.md under dir when dir holds the
// config source (the repository root).
func writeConfigReference(root *cobra.Command, dir string) error {
	if _, err := os.Stat(filepath.Join(dir, ConfigSource)); err != nil {
		return nil
	}
	ref, err := ConfigReference(dir, root)
	if err != nil {
		return fmt.Errorf("config reference: %w", err)
	}
	return os.WriteFile(filepath.Join(dir, "docs", "config.md"), []byte(ref), 0o644)
}
