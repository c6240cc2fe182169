package catalog

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/catalog/internal/cattest"
	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/lake/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./catalog -run %s -update to create it)", err, t.Name())
	}
	if got != string(want) {
		t.Fatalf("%s differs from the golden file (run with -update after reviewing):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestRedshiftDDLMatchesGolden(t *testing.T) {
	ddl, err := DDL(Redshift, "orders", cattest.EveryType(), DDLOptions{
		Schema:       "analytics",
		IfNotExists:  true,
		DistKey:      "id",
		SortKey:      []string{"created_at", "ID"},
		VarcharBytes: map[string]int{"NAME": 40, "payload": 1000},
	})
	if err != nil {
		t.Fatal(err)
	}
	super, err := DDL(Redshift, "events", schema.Schema{Columns: []schema.Column{
		col("id", schema.TInt64, false), col("attrs", schema.TJSON, true), col("at", schema.TTimestamp, true),
	}}, DDLOptions{JSONAsSuper: true, PlainTimestamp: true})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "redshift.sql", ddl+"\n"+super)
}

func TestAthenaDDLMatchesGolden(t *testing.T) {
	s := cattest.EveryType()
	ddl, err := DDL(Athena, "orders", s, DDLOptions{
		Schema:      "lake",
		IfNotExists: true,
		Location:    "s3://acme-lake/prod/tables/orders",
		Partitions: []Partition{
			{Name: "created_at_day", Type: schema.TDate, Source: "created_at", Unit: "day", First: "2026-01-15"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	hourly, err := DDL(Athena, "clicks", schema.Schema{Columns: []schema.Column{col("id", schema.TInt64, false), col("at", schema.TTimestamp, true)}}, DDLOptions{
		Location:   "s3://acme-lake/tables/clicks/",
		Partitions: []Partition{{Name: "at_hour", Type: schema.TString, Source: "at", Unit: "hour", First: "2026-11-23T14"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// A non-time partition named after a data column: the column moves to
	// PARTITIONED BY and projection is off.
	byRegion, err := DDL(Athena, "stores", schema.Schema{Columns: []schema.Column{col("id", schema.TInt64, false), col("region", schema.TString, true)}}, DDLOptions{
		Location:   "s3://acme-lake/tables/stores/",
		Partitions: []Partition{{Name: "region", Type: schema.TString, Source: "region"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "athena.sql", ddl+"\n"+hourly+"\n"+byRegion)
}

func TestAlterStatementsMatchGolden(t *testing.T) {
	old := schema.Schema{Columns: []schema.Column{col("id", schema.TInt32, false), col("note", schema.TString, false)}}
	new := schema.Schema{Columns: []schema.Column{col("id", schema.TInt64, false), col("note", schema.TString, true), col("amount", schema.DecimalOf(12, 2), true), col("tag", schema.TString, true)}}
	changes := Compare(old, new)
	var out strings.Builder
	for _, d := range []Dialect{Postgres, DuckDB, Athena} {
		stmts, err := AlterStatements(d, "orders", changes, DDLOptions{Schema: "s"})
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		out.WriteString("-- " + string(d) + "\n" + strings.Join(stmts, "\n") + "\n")
	}
	added := Compare(old, schema.Schema{Columns: append(append([]schema.Column{}, old.Columns...), col("amount", schema.DecimalOf(12, 2), true), col("tag", schema.TString, true))})
	stmts, err := AlterStatements(Redshift, "orders", added, DDLOptions{VarcharBytes: map[string]int{"tag": 10}})
	if err != nil {
		t.Fatal(err)
	}
	out.WriteString("-- redshift\n" + strings.Join(stmts, "\n") + "\n")
	golden(t, "alter.sql", out.String())
}

func TestAlterStatementsRefuseBreakingAndInPlaceImpossibleChanges(t *testing.T) {
	dropped := Compare(schema.Schema{Columns: []schema.Column{col("id", schema.TInt64, false), col("x", schema.TInt64, true)}}, one(col("id", schema.TInt64, false)))
	for _, d := range Dialects() {
		if _, err := AlterStatements(d, "t", dropped, DDLOptions{}); err == nil || !strings.Contains(err.Error(), "column x") {
			t.Errorf("%s: AlterStatements of a dropped column = %v, want an error naming column x", d, err)
		}
	}
	widened := Compare(one(col("n", schema.TInt32, true)), one(col("n", schema.TInt64, true)))
	if _, err := AlterStatements(Redshift, "t", widened, DDLOptions{}); err == nil || !strings.Contains(err.Error(), "rebuild") {
		t.Errorf("Redshift widening = %v, want an error that says to rebuild", err)
	}
	// uint16 -> int32 is INTEGER before and after in Redshift: nothing to do.
	same := Compare(one(col("n", schema.TUint16, true)), one(col("n", schema.TInt32, true)))
	if stmts, err := AlterStatements(Redshift, "t", same, DDLOptions{}); err != nil || len(stmts) != 0 {
		t.Errorf("Redshift uint16 -> int32 = %v, %v; want no statement", stmts, err)
	}
}

func TestRedshiftVarcharSizing(t *testing.T) {
	cases := []struct {
		name     string
		observed map[string]int
		headroom float64
		want     string
	}{
		{"unknown length defaults to 256", nil, 0, "VARCHAR(256)"},
		{"observed length gets 25% headroom", map[string]int{"s": 100}, 0, "VARCHAR(125)"},
		{"configured headroom", map[string]int{"s": 100}, 1, "VARCHAR(200)"},
		{"negative headroom means none", map[string]int{"s": 100}, -1, "VARCHAR(100)"},
		{"capped at 65535", map[string]int{"s": 60000}, 0, "VARCHAR(65535)"},
		{"name matched case-insensitively", map[string]int{"S": 8}, 0, "VARCHAR(10)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ColumnType(Redshift, col("s", schema.TString, true), DDLOptions{VarcharBytes: tc.observed, VarcharHeadroom: tc.headroom})
			if err != nil || got != tc.want {
				t.Fatalf("ColumnType = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestDDLRejectsBadInput(t *testing.T) {
	if _, err := ParseDialect("oracle"); clierr.Code(err) != clierr.ExitUsage {
		t.Errorf("ParseDialect(oracle) = %v, want a usage error", err)
	}
	if _, err := DDL(Athena, "t", one(col("id", schema.TInt64, false)), DDLOptions{}); clierr.Code(err) != clierr.ExitUsage {
		t.Errorf("Athena DDL without location = %v, want a usage error", err)
	}
	if _, err := DDL(Redshift, "t", one(col("id", schema.TInt64, false)), DDLOptions{DistKey: "nope"}); clierr.Code(err) != clierr.ExitUsage || !strings.Contains(err.Error(), "nope") {
		t.Errorf("Redshift DDL with unknown DISTKEY = %v, want a usage error naming it", err)
	}
	if _, err := DDL(Postgres, "t", schema.Schema{}, DDLOptions{}); err == nil {
		t.Error("DDL of an empty schema succeeded")
	}
}
