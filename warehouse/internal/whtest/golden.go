// Package whtest holds what the warehouse drivers' tests share: the golden
// file check and the statement every dialect's templates are rendered with.
package whtest

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/lakectl/lakectl/warehouse/driver"
)

// Golden compares got with testdata/<name>.golden; with update (the test
// package's -update flag) it rewrites the file instead.
func Golden(t testing.TB, name, got string, update bool) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s:\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}

// Statement is the data the shared templates of every dialect are pinned
// with: an upsert of analytics.orders keyed by id with a cursor, one day
// partition to replace, one ledger row; defaultSchema holds the ledger.
func Statement(defaultSchema string) driver.Statement {
	return driver.Statement{
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
		Ledger:  driver.QuoteQualified(defaultSchema, "lakectl_loads"),
		Targets: driver.QuoteQualified(defaultSchema, "lakectl_targets"),
		Modes:   driver.QuoteQualified(defaultSchema, "lakectl_target_modes"),
	}
}

// CheckTemplates renders every template of tmpl but those named in
// driverOwn (driver data, covered by the driver's own tests) with st, and
// compares each with testdata/sql_<name>.golden.
func CheckTemplates(t *testing.T, tmpl *driver.Templates, st driver.Statement, update bool, driverOwn ...string) {
	for _, name := range tmpl.Names() {
		if slices.Contains(driverOwn, name) {
			continue
		}
		t.Run(name, func(t *testing.T) {
			st := st
			switch name {
			case "target_schema_save":
				st.Rows = [][]string{{"'analytics.orders'", `'{"columns":[]}'`, "'fp'"}}
			case "target_mode_save":
				st.Rows = [][]string{{"'analytics.orders'", "'upsert'", `'["id"]'`, "'updated_at'"}}
			}
			got, err := tmpl.Render(name, &st)
			if err != nil {
				t.Fatal(err)
			}
			Golden(t, "sql_"+name, got+"\n", update)
		})
	}
}
