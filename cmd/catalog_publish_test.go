package cmd

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/lakectl/lakectl/catalog/glue"
	"github.com/lakectl/lakectl/internal/awsfake"
	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/internal/iostreams"
	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
)

func TestCatalogPublishParsesFlagsIntoOptions(t *testing.T) {
	cases := []struct {
		args []string
		want catalogPublishOptions
		code int
	}{
		{[]string{"--glue-database", "lake"}, catalogPublishOptions{GlueDatabase: "lake"}, 0},
		{[]string{"orders", "clicks", "--glue-database", "lake", "--dry-run", "--location", "s3://b/lake", "--register-time-partitions"},
			catalogPublishOptions{Tables: []string{"orders", "clicks"}, GlueDatabase: "lake", DryRun: true, Location: "s3://b/lake", RegisterTimePartitions: true}, 0},
		{nil, catalogPublishOptions{}, clierr.ExitUsage},
		{[]string{"--glue-database", "Lake-DB"}, catalogPublishOptions{}, clierr.ExitUsage},
		{[]string{"--glue-database", "lake", "--location", "/srv/lake"}, catalogPublishOptions{}, clierr.ExitUsage},
	}
	for _, tc := range cases {
		io, _, _, _ := iostreams.Test()
		var got *catalogPublishOptions
		c := newCmdCatalogPublish(NewFactory(io), func(o *catalogPublishOptions) error { got = o; return nil })
		c.SetArgs(tc.args)
		c.SetOut(io.Out)
		c.SetErr(io.ErrOut)
		err := c.Execute()
		if code := clierr.Code(err); code != tc.code {
			t.Errorf("%v: exit %d (%v), want %d", tc.args, code, err, tc.code)
			continue
		}
		if tc.code != 0 {
			continue
		}
		if got == nil || fmt.Sprint(got.Tables) != fmt.Sprint(tc.want.Tables) || got.GlueDatabase != tc.want.GlueDatabase ||
			got.DryRun != tc.want.DryRun || got.Location != tc.want.Location || got.RegisterTimePartitions != tc.want.RegisterTimePartitions {
			t.Errorf("%v: options %+v, want %+v", tc.args, got, tc.want)
		}
	}
}

// writeForeignClicks writes tables/clicks/dt=.../ as another tool would.
func writeForeignClicks(t *testing.T, dir string, n int) {
	testenv.WriteHive(t, filepath.Join(dir, "tables", "clicks"), fmt.Sprintf(`SELECT i::BIGINT AS id, (i * 10)::BIGINT AS campaign_id,
		strftime(DATE '2026-03-01' + (i %% 2)::INTEGER, '%%Y-%%m-%%d') AS dt FROM range(1, %d) t(i)`, n+1), "dt")
}

// A lake mixing lakectl's tables and another tool's dt= folders is
// cataloged, published to Glue, and loaded into PostgreSQL and DuckDB
// with the folder values present; a second publish (as a run job) changes
// nothing; conflicting live files exit 3.
func TestForeignLakeIsCatalogedPublishedAndLoadedWithFolderValues(t *testing.T) {
	dir := t.TempDir()
	store, err := lake.Open(context.Background(), dir, lake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeTable(t, store, "orders", 1, 10)
	writeForeignClicks(t, dir, 100)
	cfg := filepath.Join(t.TempDir(), "lakectl.yaml")
	yaml := "lake: " + dir + "\ntables:\n  clicks:\n    partition_types: {dt: date}\njobs:\n  - {name: glue, type: publish, glue_database: lake, location: \"s3://bkt/lake\"}\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	lk := []string{"--config", cfg}
	if code, out, errOut := run(t, append(lk, "catalog", "crawl")...); code != 0 {
		t.Fatalf("crawl: exit %d %s%s", code, out, errOut)
	}
	if code, out, _ := run(t, append(lk, "catalog", "ddl", "clicks", "--dialect", "postgres")...); code != 0 || !strings.Contains(out, `"dt" date`) {
		t.Fatalf("postgres ddl of clicks: exit %d\n%s", code, out)
	}

	g := awsfake.StartGlue(t)
	g.GlueEnv(t)
	code, out, errOut := run(t, append(lk, "catalog", "publish", "--glue-database", "lake", "--location", "s3://bkt/lake")...)
	if code != 0 || g.GlueTable("lake", "clicks") == nil || g.GlueTable("lake", "orders") == nil {
		t.Fatalf("publish: exit %d %s%s", code, out, errOut)
	}
	before := len(g.GlueCalls())
	if code, out, errOut := run(t, append(lk, "run", "glue", "-o", "json")...); code != 0 || !strings.Contains(out, `"changes": 0`) {
		t.Fatalf("second publish as a run job: exit %d %s%s", code, out, errOut)
	}
	for _, c := range g.GlueCalls()[before:] {
		if !strings.HasPrefix(c, "Get") {
			t.Errorf("second publish called %s", c)
		}
	}

	duck := filepath.Join(t.TempDir(), "wh.duckdb")
	pg := testenv.Postgres(t)
	for _, wh := range []string{"duckdb://" + duck, pg} {
		if code, out, errOut := run(t, append(lk, "--warehouse", wh, "warehouse", "load", "clicks")...); code != 0 {
			t.Fatalf("load into %s: exit %d %s%s", wh, code, out, errOut)
		}
	}
	const q = `SELECT count(*), count(DISTINCT dt), sum(CASE WHEN dt = DATE '2026-03-01' + CAST(id % 2 AS INTEGER) THEN 1 ELSE 0 END) FROM clicks`
	var got [2][3]int64
	ddb, err := sql.Open("duckdb", duck)
	if err != nil {
		t.Fatal(err)
	}
	if err := ddb.QueryRow(q).Scan(&got[0][0], &got[0][1], &got[0][2]); err != nil {
		t.Fatal(err)
	}
	ddb.Close()
	conn, err := pgx.Connect(context.Background(), pg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if err := conn.QueryRow(context.Background(), q).Scan(&got[1][0], &got[1][1], &got[1][2]); err != nil {
		t.Fatal(err)
	}
	if got != [2][3]int64{{100, 2, 100}, {100, 2, 100}} {
		t.Fatalf("rows, distinct dt, rows whose dt is their folder's (duckdb, postgres) = %v, want 100, 2, 100 in both", got)
	}

	// Another tool writes campaign_id as a string: exit 3 naming it.
	bad := filepath.Join(dir, "tables", "clicks", "dt=2026-03-05")
	testenv.WriteHive(t, filepath.Join(bad, "bad.parquet"), "SELECT 1::BIGINT AS id, 'c-1' AS campaign_id")
	code, _, errOut = run(t, append(lk, "catalog", "check", "clicks")...)
	if code != 3 || !strings.Contains(errOut, "campaign_id") || !strings.Contains(errOut, "bad.parquet") {
		t.Fatalf("check of conflicting files: exit %d %q", code, errOut)
	}
}

// Publish does what a crawler does: a table another tool wrote and no
// crawl has recorded yet is crawled (with its partition_types), then
// published; a dry run records nothing.
func TestPublishCrawlsATableNeverCrawled(t *testing.T) {
	dir := t.TempDir()
	writeForeignClicks(t, dir, 10)
	cfg := filepath.Join(t.TempDir(), "lakectl.yaml")
	if err := os.WriteFile(cfg, []byte("lake: "+dir+"\ntables:\n  clicks:\n    partition_types: {dt: date}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g := awsfake.StartGlue(t)
	g.GlueEnv(t)
	pub := []string{"--config", cfg, "catalog", "publish", "--glue-database", "lake", "--location", "s3://bkt/lake"}
	if code, out, errOut := run(t, append(pub, "--dry-run")...); code == 0 {
		t.Fatalf("dry run of a never-crawled table: exit 0 %s%s", out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "_lakectl", "catalog")); err == nil {
		t.Fatal("a dry run recorded a schema version")
	}
	code, out, errOut := run(t, pub...)
	tbl := g.GlueTable("lake", "clicks")
	if code != 0 || tbl == nil {
		t.Fatalf("publish: exit %d %s%s", code, out, errOut)
	}
	if keys := fmt.Sprint(tbl["PartitionKeys"]); !strings.Contains(keys, "dt") || !strings.Contains(keys, "date") {
		t.Fatalf("partition keys %s, want dt date", keys)
	}
}

// TestPublishDryRunSaysWouldCreate: a dry run's table lines say what would
// happen, never "created" (issue 17).
func TestPublishDryRunSaysWouldCreate(t *testing.T) {
	res := &glue.Result{Database: "lake", DryRun: true, Tables: []glue.TableResult{
		{Table: "orders", GlueTable: "orders", Version: 1, Action: "created"},
		{Table: "clicks", GlueTable: "clicks", Version: 2, Action: "updated"},
		{Table: "users", GlueTable: "users", Version: 1, Action: "unchanged"},
	}}
	var b strings.Builder
	if err := printPublish(&b, res); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, " created ") || strings.Contains(out, " updated ") || !strings.Contains(out, "would create") || !strings.Contains(out, "would update") || !strings.Contains(out, "unchanged") {
		t.Fatalf("dry run output:\n%s", out)
	}
	res.DryRun = false
	b.Reset()
	_ = printPublish(&b, res)
	if !strings.Contains(b.String(), "created") {
		t.Fatalf("real run output:\n%s", b.String())
	}
}
