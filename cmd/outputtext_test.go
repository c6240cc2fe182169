package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/warehouse"
	"github.com/lakectl/lakectl/warehouse/scale"
)

// A serverless workgroup has no node type: its size reads "4 rpu", not
// "4  rpu".
func TestStatusSizeHasNoDoubleSpace(t *testing.T) {
	var b bytes.Buffer
	printSize(&b, &statusWithSize{StatusResult: &warehouse.StatusResult{}, Size: &scale.Size{Kind: "serverless", Name: "wg", Count: 4, Unit: "rpu", State: "AVAILABLE"}})
	if got := b.String(); !strings.HasPrefix(got, "serverless wg: 4 rpu, AVAILABLE") {
		t.Fatalf("status: %q", got)
	}
}

// An offline dry run says once that the warehouse was unreachable: the
// library's text already names it and the planning assumption.
func TestOfflinePlanSaysUnreachableOnce(t *testing.T) {
	var b bytes.Buffer
	why := "connect to postgres://u@h:5439/dev: h:5439 did not answer within the connect timeout of 2s (warehouse unreachable); planned as if nothing were loaded yet"
	if err := printLoad(&b, "loaded", &warehouse.LoadResult{DryRun: true, Unreachable: why}); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); strings.Count(got, "unreachable") != 1 || strings.Count(got, "as if nothing") != 1 {
		t.Fatalf("offline plan: %q", got)
	}
}

// rebuild plan/apply of a table the lake does not hold (or with a bad
// --into) is a typo: exit 2, and no warehouse file is created.
func TestRebuildOfAMissingTableIsAUsageError(t *testing.T) {
	dir := t.TempDir()
	store, err := lake.Open(t.Context(), dir, lake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeTable(t, store, "orders", 0, 10)
	mig := filepath.Join(dir, "m.sql")
	if err := os.WriteFile(mig, []byte("CREATE TABLE {{.NewTable}} (id BIGINT);\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wh := filepath.Join(dir, "wh.duckdb")
	for _, args := range [][]string{
		{"rebuild", "plan", "nosuch", "--migration", mig},
		{"rebuild", "apply", "nosuch", "--migration", mig, "--yes"},
		{"rebuild", "plan", "orders", "--into", `x"; DROP TABLE y; --`, "--migration", mig},
	} {
		code, _, errOut := run(t, append([]string{"--lake", dir, "--warehouse", "duckdb://" + wh}, args...)...)
		if code != 2 || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d %q, want 2 and one line", args, code, errOut)
		}
		if _, err := os.Stat(wh); err == nil {
			t.Fatalf("%v created the warehouse file", args)
		}
	}
}

// Scaling with a warehouse that is not Redshift, or reprocessing a table
// the lake does not hold, is refused before the warehouse is opened: no
// DuckDB file appears, no cluster is resized.
func TestScaledCommandsRefuseBeforeOpeningTheWarehouse(t *testing.T) {
	dir := t.TempDir()
	store, err := lake.Open(t.Context(), dir, lake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeTable(t, store, "orders", 0, 10)
	mig := filepath.Join(dir, "m.sql")
	if err := os.WriteFile(mig, []byte("CREATE TABLE {{.NewTable}} (id BIGINT);\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wh := filepath.Join(dir, "wh.duckdb")
	for _, c := range []struct {
		warehouse string
		args      []string
	}{
		{"duckdb://" + wh, []string{"warehouse", "reprocess", "orders", "--scale-to", "4", "--yes"}},
		{"duckdb://" + wh, []string{"warehouse", "scale", "--nodes", "4", "--yes"}},
		{"duckdb://" + wh, []string{"rebuild", "apply", "orders", "--migration", mig, "--scale-to", "4", "--yes"}},
		{"redshift://u:pw@127.0.0.1:1/dev?cluster=c&iam_role=r", []string{"warehouse", "reprocess", "nosuch", "--scale-to", "4", "--yes"}},
	} {
		code, _, errOut := run(t, append([]string{"--lake", dir, "--warehouse", c.warehouse}, c.args...)...)
		if code != 2 || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d %q, want 2 and one line", c.args, code, errOut)
		}
		if _, err := os.Stat(wh); err == nil {
			t.Fatalf("%v created the warehouse file", c.args)
		}
	}
}
