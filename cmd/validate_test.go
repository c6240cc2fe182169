package cmd

import (
	"os"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/internal/testenv"
)

// Every catalog command that names a table the lake does not hold exits 2
// with one line, and writes nothing (issue 12: typos fail).
func TestCatalogCommandsOnAMissingTableAreUsageErrors(t *testing.T) {
	lk := t.TempDir()
	for _, args := range [][]string{
		{"catalog", "crawl", "nosuch"},
		{"catalog", "check", "nosuch"},
		{"catalog", "history", "nosuch"},
		{"catalog", "diff", "nosuch"},
		{"catalog", "ddl", "nosuch", "--dialect", "duckdb"},
		{"catalog", "show", "nosuch"},
	} {
		code, _, errOut := run(t, append([]string{"--lake", lk}, args...)...)
		if code != clierr.ExitUsage || !strings.Contains(errOut, "table nosuch is not in the lake") || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%v: exit %d %q, want exit 2 on one line naming the table", args, code, errOut)
		}
	}
	if entries, _ := os.ReadDir(lk); len(entries) != 0 {
		t.Fatalf("the lake gained %d entries", len(entries))
	}
}

// A lake URL naming a bucket that does not exist is a configuration error
// (exit 2), as a mistyped local lake folder is.
func TestLakeInAMissingBucketIsAUsageError(t *testing.T) {
	env := testenv.S3(t)
	env.SetAWSEnv(t)
	code, _, errOut := run(t, "--lake", "s3://"+testenv.Name("nobucket")+"/lake", "--s3-path-style", "lake", "ls")
	if code != clierr.ExitUsage || !strings.Contains(errOut, "does not exist") {
		t.Fatalf("exit %d %q, want exit 2 naming the missing bucket", code, errOut)
	}
}
