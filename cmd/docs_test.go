package cmd

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/lakectl/lakectl/internal/docgen"
	"github.com/lakectl/lakectl/internal/iostreams"
)

// Flags that docs name but that belong to other tools (go test, psql, pg_ctlcluster...).
var otherToolsFlags = []string{"--collector", "--bench", "--benchtime", "--skip-systemctl-redirect", "--oknodo", "--start", "--background", "--exec"}

// docFiles are the prose that users read next to --help.
func docFiles(t *testing.T) map[string]string {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join("..", "docs", "*.md"))
	paths = append(paths, filepath.Join("..", "README.md"))
	out := map[string]string{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[p] = string(b)
	}
	return out
}

// treeFlags maps each flag name of the command tree to the defaults it has
// on the commands that define it. A default of 0 or "" whose usage says
// "(default X)" counts as X: the command resolves it at run time.
func treeFlags(root *cobra.Command) map[string][]string {
	out := map[string][]string{}
	usageDefault := regexp.MustCompile(`\(default:? ([^;)]+)`)
	docgen.VisitFlags(root, func(f *pflag.Flag) {
		def := f.DefValue
		if m := usageDefault.FindStringSubmatch(f.Usage); m != nil && (def == "0" || def == "" || def == "[]") {
			def = m[1]
		}
		out["--"+f.Name] = append(out["--"+f.Name], def)
	})
	return out
}

func normalizeDefault(s string) string {
	s = strings.Trim(strings.TrimSpace(s), "`'\"")
	return strings.NewReplacer(",", "", "_", "").Replace(s)
}

// TestDocsMatchTheBinary fails when docs/ or README.md name a flag the
// binary does not have, give a flag a default the binary does not use, or
// name an exit code that SPEC's table (the one the man pages print) lacks.
func TestDocsMatchTheBinary(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	flags := treeFlags(NewRootCmd(NewFactory(io)))
	flagRe := regexp.MustCompile("`(--[a-z][a-z0-9-]*)")
	defaultRe := regexp.MustCompile("`(--[a-z][a-z0-9-]*)[^`]*`[^.|\n]{0,40}?\\(default:? `?([0-9][0-9,_]*[a-zA-Z]*|[a-z]+)")
	exitRe := regexp.MustCompile(`(?i)\bexit(?:s| code| status)? ([0-9]+)\b`)
	var codes []int
	for _, e := range docgen.ExitCodes {
		codes = append(codes, e.Code)
	}
	for path, text := range docFiles(t) {
		for _, m := range flagRe.FindAllStringSubmatch(text, -1) {
			if _, ok := flags[m[1]]; !ok && !slices.Contains(otherToolsFlags, m[1]) {
				t.Errorf("%s names %s, which no lakectl command has", path, m[1])
			}
		}
		for _, m := range defaultRe.FindAllStringSubmatch(text, -1) {
			defs, ok := flags[m[1]]
			if !ok {
				continue
			}
			found := false
			for _, d := range defs {
				if strings.HasPrefix(normalizeDefault(d), normalizeDefault(m[2])) {
					found = true
				}
			}
			if !found {
				t.Errorf("%s says %s defaults to %s; the binary's default is %v", path, m[1], m[2], defs)
			}
		}
		for _, m := range exitRe.FindAllStringSubmatch(text, -1) {
			n, _ := strconv.Atoi(m[1])
			if !slices.Contains(codes, n) {
				t.Errorf("%s names exit code %d, which is not one of lakectl's (%v)", path, n, codes)
			}
		}
	}
}

// TestReadmeExitCodesAreTheBinarys compares README's exit-code table with
// the one the man pages print.
func TestReadmeExitCodesAreTheBinarys(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`(?m)^\| ([0-9]+) \| `)
	var have []int
	for _, m := range row.FindAllStringSubmatch(string(b), -1) {
		n, _ := strconv.Atoi(m[1])
		have = append(have, n)
	}
	var want []int
	for _, e := range docgen.ExitCodes {
		want = append(want, e.Code)
	}
	if !slices.Equal(have, want) {
		t.Fatalf("README's exit codes %v, the binary's %v", have, want)
	}
}
