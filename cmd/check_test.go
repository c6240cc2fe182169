package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/iostreams"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/quality"
)

func TestCheckCommandParsesTablesAndAccept(t *testing.T) {
	cases := []struct {
		args   []string
		tables []string
		accept bool
	}{
		{nil, nil, false},
		{[]string{"orders"}, []string{"orders"}, false},
		{[]string{"orders", "customers", "--accept"}, []string{"orders", "customers"}, true},
		{[]string{"--accept=false", "orders"}, []string{"orders"}, false},
	}
	for _, tc := range cases {
		io, _, _, _ := iostreams.Test()
		var got *checkOptions
		c := newCmdCheck(NewFactory(io), func(o *checkOptions) error { got = o; return nil })
		c.SetArgs(tc.args)
		if err := c.Execute(); err != nil {
			t.Fatal(err)
		}
		if len(got.Tables)+len(tc.tables) > 0 && !slices.Equal(got.Tables, tc.tables) || got.Accept != tc.accept {
			t.Errorf("args %v: %+v", tc.args, got)
		}
	}
}

// checkConfig writes a config with rules on table t (ids: not null, at
// least minID) and returns its path.
func checkConfig(t *testing.T, lakeDir string, minID int) string {
	t.Helper()
	cfg := `lake: ` + lakeDir + `
tables:
  t:
    checks:
      - {type: not_null, columns: [id]}
      - {type: range, column: id, min: ` + itoa(minID) + `}
      - {type: row_count, min: 1, severity: warn}
`
	p := filepath.Join(t.TempDir(), "lakectl.yaml")
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestCheckExitsFourWithRuleTableAndObservedValue(t *testing.T) {
	dir := t.TempDir()
	store, err := lake.NewFileStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	writeTable(t, store, "t", 1, 10) // ids 1..10
	code, out, errOut := run(t, "--config", checkConfig(t, dir, 3), "-o", "json", "check")
	if code != 4 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	if !strings.Contains(errOut, `quality rule range(id) (error) failed on table t: 2 rows out of range`) {
		t.Errorf("stderr: %s", errOut)
	}
	var res quality.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Rules) != 3 || res.Failed != 1 || res.Passed != 2 {
		t.Fatalf("json: %v %s", err, out)
	}
	// Accepted: reported, exit 0, and the next check starts after them.
	if code, out, errOut := run(t, "--config", checkConfig(t, dir, 3), "check", "--accept"); code != 0 || !strings.Contains(out, "fail") {
		t.Fatalf("--accept: exit %d: %s %s", code, out, errOut)
	}
	if code, _, errOut := run(t, "--config", checkConfig(t, dir, 3), "check"); code != 0 {
		t.Fatalf("after --accept: exit %d: %s", code, errOut)
	}
	writeTable(t, store, "t", 0, 1)
	if code, _, _ := run(t, "--config", checkConfig(t, dir, 3), "check"); code != 4 {
		t.Fatalf("a new bad row after --accept: exit %d", code)
	}
	// A rule loosened: the same rows pass, exit 0.
	if code, _, errOut := run(t, "--config", checkConfig(t, dir, 0), "check", "t"); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if code, _, errOut := run(t, "--config", checkConfig(t, dir, 1), "check", "nope"); code != 2 || !strings.Contains(errOut, "table nope has no checks") {
		t.Fatalf("unknown table: exit %d: %s", code, errOut)
	}
}

func TestRunCheckJobHoldsBackTheLoadUnlessForced(t *testing.T) {
	dir := t.TempDir()
	store, err := lake.NewFileStore(filepath.Join(dir, "lake"))
	if err != nil {
		t.Fatal(err)
	}
	writeTable(t, store, "t", 1, 10)
	cfg := filepath.Join(dir, "lakectl.yaml")
	if err := os.WriteFile(cfg, []byte(`lake: `+filepath.Join(dir, "lake")+`
warehouse: duckdb://`+filepath.Join(dir, "wh.duckdb")+`
tables:
  t:
    checks: [{type: range, column: id, min: 5}]
jobs:
  - {name: quality, type: check, tables: [t]}
  - {name: t-load, type: load, tables: [t]}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "--config", cfg, "-o", "json", "run")
	var res RunResult
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 4 {
		t.Fatalf("exit %d %v: %s %s", code, err, out, errOut)
	}
	if res.QualityFailed != 1 || res.Jobs[1].Status != statusSkipped || res.Jobs[1].Rows != 0 {
		t.Fatalf("jobs: %+v", res.Jobs)
	}
	code, out, _ = run(t, "--config", cfg, "-o", "json", "run", "--force")
	res = RunResult{}
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 4 || res.Jobs[1].Status != "ok" || res.Jobs[1].Rows != 10 {
		t.Fatalf("--force: exit %d %v: %+v", code, err, res.Jobs)
	}
}
