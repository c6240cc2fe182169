package catalog

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
)

// Folders that another tool wrote (dt=.../) are columns of the table in
// every dialect: strings unless partition_types declares them, Athena
// partition columns; lakectl's own derived folders stay out.
func TestFolderKeysOfOtherToolsAreColumnsInEveryDialect(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	s := schemaOf(col("id", schema.TInt64, false), col("created_at", schema.TTimestamp, true))
	writeParquet(t, store, "tables/ev/dt=2026-03-02/region=eu/a.parquet", schemaOf(col("id", schema.TInt64, false)), idRows(schemaOf(col("id", schema.TInt64, false)), 2))
	writeParquet(t, store, "tables/own/created_at_day=2026-03-02/b.parquet", s, nil)
	types := map[string]map[string]schema.Type{"ev": {"dt": schema.TDate}}
	if _, err := Crawl(ctx, store, nil, CrawlOptions{PartitionTypes: types}); err != nil {
		t.Fatal(err)
	}
	ev, err := Latest(ctx, store, "ev")
	if err != nil {
		t.Fatal(err)
	}
	cols := WithFolderColumns(ev.Schema, ev.Partitions)
	if got := strings.Join(cols.Names(), ","); got != "id,dt,region" || cols.Columns[1].Type != schema.TDate || cols.Columns[2].Type != schema.TString {
		t.Fatalf("table columns = %+v, want id, dt date, region string", cols.Columns)
	}
	for _, d := range []Dialect{Postgres, DuckDB, Redshift} {
		ddl, err := DDL(d, "ev", ev.Schema, DDLOptions{Partitions: ev.Partitions})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(ddl, `"dt" DATE`) && !strings.Contains(ddl, `"dt" date`) || !strings.Contains(ddl, `"region"`) {
			t.Errorf("%s DDL lacks the folder columns:\n%s", d, ddl)
		}
	}
	ddl, err := DDL(Athena, "ev", ev.Schema, DDLOptions{Partitions: ev.Partitions, Location: "s3://b/lake/tables/ev/"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ddl, "PARTITIONED BY (\n  `dt` date,\n  `region` string\n)") {
		t.Errorf("athena DDL:\n%s", ddl)
	}
	own, err := Latest(ctx, store, "own")
	if err != nil {
		t.Fatal(err)
	}
	ddl, err = DDL(Postgres, "own", own.Schema, DDLOptions{Partitions: own.Partitions})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(ddl, "created_at_day") {
		t.Errorf("lakectl's derived folder became a column:\n%s", ddl)
	}
}

// Two live files that no type unifies: check fails with a ConflictError
// naming the column, both files and both types; crawl records the rest.
func TestConflictingLiveFilesAreBreakingAndCrawlRecordsTheRest(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	a := schemaOf(col("id", schema.TInt64, false), col("campaign_id", schema.TInt32, true))
	b := schemaOf(col("id", schema.TInt64, false), col("campaign_id", schema.TString, true), col("x", schema.TString, true))
	writeParquet(t, store, "tables/t/dt=2026-03-01/one.parquet", a, idRows(a, 1))
	other := schemaOf(col("id", schema.TInt64, false))
	writeParquet(t, store, "tables/ok/one.parquet", other, idRows(other, 1))
	if _, err := Crawl(ctx, store, nil, CrawlOptions{}); err != nil {
		t.Fatal(err)
	}
	writeParquet(t, store, "tables/t/dt=2026-03-02/two.parquet", b, idRows(b, 1))

	res, err := Crawl(ctx, store, nil, CrawlOptions{})
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Column != "campaign_id" {
		t.Fatalf("crawl err = %v, want a ConflictError on campaign_id", err)
	}
	for _, w := range []string{"campaign_id", "tables/t/dt=2026-03-01/one.parquet", "tables/t/dt=2026-03-02/two.parquet", "int32", "string"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
	if len(res.Tables) != 2 || res.Tables[1].Note == "" || res.Tables[1].Error == "" {
		t.Fatalf("crawl result = %+v, want a note and an error on t", res.Tables)
	}

	cr, err := Check(ctx, store, []string{"t", "ok"})
	if !errors.As(err, &ce) || cr == nil || !cr.Breaking || len(cr.Tables) != 2 || cr.Tables[0].Live[0].Kind != Conflict {
		t.Fatalf("check = %+v, %v; want a breaking conflict on t", cr, err)
	}
}

// A partition layout change shows in diff; live files in two layouts are
// a breaking change in check.
func TestLayoutChangesShowInDiffAndMixedLayoutsBreak(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	s := schemaOf(col("id", schema.TInt64, false), col("created_at", schema.TTimestamp, true))
	writeParquet(t, store, "tables/t/a.parquet", s, nil)
	if _, err := Crawl(ctx, store, nil, CrawlOptions{}); err != nil {
		t.Fatal(err)
	}
	writeParquet(t, store, "tables/t/created_at_day=2026-03-02/b.parquet", s, nil)
	res, err := Crawl(ctx, store, nil, CrawlOptions{})
	if err != nil || !strings.Contains(res.Tables[0].Note, "two partition layouts") {
		t.Fatalf("crawl = %+v, %v; want a note on the mixed layout", res, err)
	}
	diff, err := Diff(ctx, store, "t", 0, 0)
	if err != nil || len(diff) != 1 || diff[0].Kind != Layout || diff[0].From != "none" || diff[0].To != "created_at_day" {
		t.Fatalf("diff = %+v, %v; want the layout change none -> created_at_day", diff, err)
	}
	cr, err := Check(ctx, store, []string{"t"})
	if err == nil || !cr.Breaking || !strings.Contains(err.Error(), "two partition layouts") {
		t.Fatalf("check = %+v, %v; want a breaking mixed layout", cr, err)
	}
}

// Live files that disagree, or use two layouts, are breaking even before
// the first crawl: check needs no recorded version to see them.
func TestCheckOfANeverCrawledTableStillFindsConflictsAndMixedLayouts(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	a := schemaOf(col("id", schema.TInt64, false), col("campaign_id", schema.TInt32, true))
	b := schemaOf(col("id", schema.TInt64, false), col("campaign_id", schema.TString, true))
	writeParquet(t, store, "tables/t/dt=2026-03-01/one.parquet", a, idRows(a, 1))
	writeParquet(t, store, "tables/t/dt=2026-03-02/two.parquet", b, idRows(b, 1))
	s := schemaOf(col("id", schema.TInt64, false), col("created_at", schema.TTimestamp, true))
	writeParquet(t, store, "tables/m/a.parquet", s, nil)
	writeParquet(t, store, "tables/m/created_at_day=2026-03-02/b.parquet", s, nil)

	cr, err := Check(ctx, store, []string{"t"})
	var ce *ConflictError
	if !errors.As(err, &ce) || cr == nil || !cr.Breaking {
		t.Fatalf("check t = %+v, %v; want a breaking conflict before any crawl", cr, err)
	}
	cr, err = Check(ctx, store, []string{"m"})
	if err == nil || cr == nil || !cr.Breaking || !strings.Contains(err.Error(), "two partition layouts") {
		t.Fatalf("check m = %+v, %v; want a breaking mixed layout before any crawl", cr, err)
	}
	var keys []string
	if err := store.List(ctx, "_lakectl/", func(o lake.ObjectInfo) error { keys = append(keys, o.Key); return nil }); err != nil || len(keys) != 0 {
		t.Fatalf("check recorded %v (%v); it records nothing", keys, err)
	}
}
