package docgen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestEveryManPageHasItsSections: a page whose command declares no example
// still gets EXAMPLES (issue 17: every generated page has EXIT STATUS,
// ENVIRONMENT, FILES and EXAMPLES).
func TestEveryManPageHasItsSections(t *testing.T) {
	root := &cobra.Command{Use: "lakectl"}
	root.PersistentFlags().String("lake", "./lake", "lake location")
	group := &cobra.Command{Use: "catalog", Short: "schemas"}
	check := &cobra.Command{Use: "check [TABLE ...]", Short: "check", Run: func(*cobra.Command, []string) {}}
	ddl := &cobra.Command{Use: "ddl TABLE", Short: "ddl", Example: "  lakectl catalog ddl orders --dialect redshift", Run: func(*cobra.Command, []string) {}}
	group.AddCommand(check, ddl)
	root.AddCommand(group)
	dir := t.TempDir()
	if err := genManTree(root, dir); err != nil {
		t.Fatal(err)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "*.1"))
	if len(pages) != 4 {
		t.Fatalf("%d pages", len(pages))
	}
	for _, p := range pages {
		b, _ := os.ReadFile(p)
		for _, sec := range []string{"EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES"} {
			if n := strings.Count(string(b), ".SH "+sec+"\n"); n != 1 {
				t.Errorf("%s has %d %s sections", filepath.Base(p), n, sec)
			}
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "lakectl-catalog.1"))
	if !strings.Contains(string(b), "lakectl catalog ddl orders \\-\\-dialect redshift") || !strings.Contains(string(b), "lakectl catalog check [TABLE ...]") {
		t.Errorf("lakectl-catalog.1 examples:\n%s", b)
	}
}
