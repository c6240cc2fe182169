package postgres

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/lakectl/lakectl/warehouse/driver"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var testStatement = driver.Statement{
	Target: `"analytics"."orders"`, TargetSchema: "analytics", TargetName: "orders", TargetKey: "analytics.orders",
	Stage:   `"lakectl_stage_orders"`,
	Columns: []string{`"id"`, `"amount"`, `"updated_at"`},
	Key:     []string{`"id"`}, Cursor: `"updated_at"`, SeqColumn: `"_lakectl_seq"`,
	Partitions: []driver.PartitionFilter{
		{Conditions: []string{`("updated_at" >= '2026-01-01 00:00:00+00'::timestamptz AND "updated_at" < '2026-01-02 00:00:00+00'::timestamptz)`}},
	},
	PartitionPaths: []string{"updated_at_day=2026-01-01"},
	Rows:           [][]string{{"'analytics.orders'", "'tables/orders/part-1.parquet'", "'tables/orders/part-1.parquet'", "''", "1024", "'etag'", "10", "'fp'", "'L1'"}},
	LockID:         42, Limit: 20,
	Ledger: `"public"."lakectl_loads"`, Targets: `"public"."lakectl_targets"`,
}

// TestEveryTemplateRendersAsItsGoldenFile pins the dialect's SQL; run
// go test -update after an intended change and review the diff.
func TestEveryTemplateRendersAsItsGoldenFile(t *testing.T) {
	tmpl := Templates()
	for _, name := range tmpl.Names() {
		if name == "copy_parquet" || name == "copy_stdin" {
			continue // driver data, covered by the load tests
		}
		t.Run(name, func(t *testing.T) {
			st := testStatement
			if name == "target_schema_save" {
				st.Rows = [][]string{{"'analytics.orders'", `'{"columns":[]}'`, "'fp'"}}
			}
			got, err := tmpl.Render(name, &st)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "sql_"+name+".golden")
			if *update {
				_ = os.MkdirAll("testdata", 0o755)
				if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got+"\n" != string(want) {
				t.Errorf("%s differs from %s:\n--- got\n%s\n--- want\n%s", name, path, got, want)
			}
		})
	}
}
