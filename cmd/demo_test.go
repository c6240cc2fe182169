package cmd

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

func TestDemoRunsTheWholePipelineAndAgain(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	type report struct {
		Consistent       bool  `json:"consistent"`
		LakeVersions     int64 `json:"lake_versions"`
		LakeTransactions int64 `json:"lake_transactions"`
		WarehouseRows    int64 `json:"warehouse_rows"`
		Steps            []struct {
			Name string `json:"name"`
			Rows int64  `json:"rows"`
		} `json:"steps"`
	}
	var first report
	for i := 0; i < 2; i++ {
		code, out, errOut := run(t, "-o", "json", "demo", "--dir", dir, "--days", "2")
		if code != 0 {
			t.Fatalf("demo run %d: exit %d %s", i+1, code, errOut)
		}
		var r report
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		if !r.Consistent || r.WarehouseRows == 0 || r.WarehouseRows != r.LakeTransactions {
			t.Fatalf("run %d: %+v", i+1, r)
		}
		if i == 0 {
			first = r
			// The second extract sees status changes: new versions.
			if r.LakeVersions <= r.LakeTransactions || r.Steps[1].Rows == 0 {
				t.Fatalf("no new versions on the second extract: %+v", r)
			}
		} else if r.LakeTransactions < first.LakeTransactions {
			t.Fatalf("rerun lost transactions: %+v then %+v", first, r)
		}
	}
}
