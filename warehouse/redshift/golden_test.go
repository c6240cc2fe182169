package redshift

import (
	"context"
	"flag"
	"net/url"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/warehouse/driver"
	"github.com/lakectl/lakectl/warehouse/internal/whtest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func golden(t *testing.T, name, got string) {
	t.Helper()
	whtest.Golden(t, name, got, *update)
}

func openTest(t *testing.T, rawURL string) *Warehouse {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	w, err := Open(context.Background(), u, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

const testURL = "redshift://loader:s3cretpw@example.abc123.eu-west-1.redshift.amazonaws.com:5439/dev?iam_role=arn:aws:iam::123456789012:role/lakectl-copy&cluster=analytics"

func TestEveryTemplateRendersAsItsGoldenFile(t *testing.T) {
	st := whtest.Statement("public")
	st.Partitions = append(st.Partitions, driver.PartitionFilter{Conditions: []string{`"updated_at" IS NULL`}})
	st.PartitionPaths = append(st.PartitionPaths, "updated_at_day=__HIVE_DEFAULT_PARTITION__")
	whtest.CheckTemplates(t, openTest(t, testURL).tmpl, st, *update, "copy", "insert_values", "insert_plan", "load_errors", "stage_stamp")
}

func testJob(t *testing.T) *driver.StageJob {
	store, err := lake.Open(context.Background(), "s3://acme-lake/prod", lake.Options{Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	s := schema.Schema{Columns: []schema.Column{
		{Name: "id", Type: schema.TInt64}, {Name: "amount", Type: schema.DecimalOf(12, 2)}, {Name: "updated_at", Type: schema.TTimestamp},
	}}
	old := schema.Schema{Columns: s.Columns[:2]}
	return &driver.StageJob{
		Store: store, Table: `"lakectl_stage_orders"`, Columns: s.Columns, LoadID: "20260102T030405Z-0a1b2c3d",
		Progress: progress.Nop(),
		Files: []driver.StageFile{
			{Key: "tables/orders/updated_at_day=2026-01-01/part-a.parquet", Size: 1000, Rows: 10, Schema: old},
			{Key: "tables/orders/updated_at_day=2026-01-02/part-b.parquet", Size: 2000, Rows: 20, Schema: s},
			{Key: "tables/orders/updated_at_day=2026-01-02/part-c.parquet", Size: 3000, Rows: 30, Schema: s},
		},
	}
}

func TestCopyStatementsAndManifestsMatchGoldenFiles(t *testing.T) {
	w := openTest(t, testURL)
	stmts, manifest, err := w.PlanStage(testJob(t))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "copy_statements", strings.Join(stmts, "\n\n")+"\n")
	golden(t, "copy_manifest", string(manifest)+"\n")
	for _, want := range []string{`"mandatory": true`, `"content_length": 3000`, `s3://acme-lake/prod/tables/orders/updated_at_day=2026-01-02/part-c.parquet`} {
		if !strings.Contains(string(manifest), want) {
			t.Errorf("manifest lacks %s", want)
		}
	}
}

func TestUpsertStageCopiesFileByFileAndStampsEachFilesRows(t *testing.T) {
	w := openTest(t, testURL)
	job := testJob(t)
	job.SeqColumn = "_lakectl_seq"
	for i := range job.Files {
		job.Files[i].Ordinal = i
	}
	stmts, _, err := w.PlanStage(job)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "copy_upsert_statements", strings.Join(stmts, "\n\n")+"\n")
}

func TestInsertMethodPlansInsertsAndNeedsNoRole(t *testing.T) {
	w := openTest(t, "redshift://loader:pw@example:5439/dev?load_method=insert")
	stmts, manifest, err := w.PlanStage(testJob(t))
	if err != nil {
		t.Fatal(err)
	}
	if manifest != nil {
		t.Error("insert method wrote a manifest")
	}
	golden(t, "insert_plan", strings.Join(stmts, "\n\n")+"\n")
}

func TestPartialFilesAreInsertedBetweenCopies(t *testing.T) {
	w := openTest(t, testURL)
	job := testJob(t)
	job.Files[1].Ranges = []driver.RowRange{{Start: 5, End: 20}}
	stmts, manifest, err := w.PlanStage(job)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "copy_partial_statements", strings.Join(stmts, "\n\n")+"\n")
	golden(t, "copy_partial_manifest", string(manifest)+"\n")
}

func TestURLErrorsAreUsageErrorsWithoutThePassword(t *testing.T) {
	for _, raw := range []string{
		"redshift://u:topsecretpw@h:5439/db",                                  // no role
		"redshift://u:topsecretpw@h:5439/db?iam_role=r&cluster=a&workgroup=b", // both
		"redshift://u:topsecretpw@h:5439/db?load_method=unload",
	} {
		u, _ := url.Parse(raw)
		_, err := Open(context.Background(), u, Options{})
		if err == nil {
			t.Errorf("%s: no error", raw)
			continue
		}
		if strings.Contains(err.Error(), "topsecretpw") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

func TestLiteralsRenderEveryKind(t *testing.T) {
	ts := schema.TTimestamp
	cases := []struct {
		t    schema.Type
		v    schema.Value
		want string
	}{
		{schema.TString, schema.StringValue(`it's a \ test`), `'it''s a \\ test'`},
		{schema.DecimalOf(12, 2), mustDecimal(t, "-12.50"), "-12.50"},
		{schema.TUint64, schema.Uint64Value(18446744073709551615), "18446744073709551615"},
		{ts, schema.Int64Value(1767225600000001), "'2026-01-01 00:00:00.000001+00'::timestamptz"},
		{schema.TDate, schema.Int32Value(20454), "'2026-01-01'::date"},
		{schema.TBytes, schema.BytesValue([]byte{0xde, 0xad}), "FROM_HEX('dead')"},
		{schema.TBool, schema.NullValue(), "NULL"},
	}
	for _, c := range cases {
		if got := Literal(c.t, c.v); got != c.want {
			t.Errorf("Literal(%s) = %s, want %s", c.t, got, c.want)
		}
	}
}

func mustDecimal(t *testing.T, s string) schema.Value {
	v, err := schema.ParseDecimal(schema.DecimalOf(12, 2), s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDefaultRoleIsAKeywordAndBackslashesAreEscaped(t *testing.T) {
	w := openTest(t, "redshift://loader:pw@example:5439/dev?iam_role=default")
	stmts, _, err := w.PlanStage(testJob(t))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stmts[0], "IAM_ROLE default\n") {
		t.Errorf("COPY with iam_role=default:\n%s\nwant IAM_ROLE default, unquoted", stmts[0])
	}
	st := driver.Statement{TargetKey: `odd\name`, Ledger: `"public"."lakectl_loads"`}
	sql, err := w.SQL("ledger_delete_target", &st)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sql, `'odd\\name'`) {
		t.Errorf("literal of a key with a backslash: %s", sql)
	}
	if got := w.Literal(`it's \`); got != `'it''s \\'` {
		t.Errorf("Literal = %s", got)
	}
}
