package catalog

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
)

func schemaOf(cols ...schema.Column) schema.Schema { return schema.Schema{Columns: cols} }

func crawlOne(t *testing.T, store lake.Store, table string) TableCrawl {
	t.Helper()
	res, err := Crawl(context.Background(), store, []string{table}, CrawlOptions{})
	if err != nil {
		t.Fatalf("crawl %s: %v", table, err)
	}
	return res.Tables[0]
}

// The history of a table across an added column and a widened type, as
// crawls record it, and what show/diff return for it.
func TestCrawlRecordsHistoryAcrossAddedColumnAndWidenedType(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	v1 := schemaOf(col("id", schema.TInt64, false), col("qty", schema.TInt32, false))
	writeParquet(t, store, "tables/orders/created_at_day=2026-11-22/part-a.parquet", v1, idRows(v1, 3))

	tc := crawlOne(t, store, "orders")
	if !tc.Recorded || tc.Version != 1 || tc.Files != 1 || tc.Rows != 3 {
		t.Fatalf("first crawl = %+v, want version 1 recorded over 1 file of 3 rows", tc)
	}
	if tc2 := crawlOne(t, store, "orders"); tc2.Recorded || tc2.Version != 1 || tc2.FootersRead != 0 {
		t.Fatalf("crawl of an unchanged table = %+v, want nothing recorded and no footer read", tc2)
	}

	// A second file adds a nullable column.
	v2 := schemaOf(col("id", schema.TInt64, false), col("qty", schema.TInt32, false), col("note", schema.TString, true))
	time.Sleep(10 * time.Millisecond) // distinct modification times order the files
	writeParquet(t, store, "tables/orders/created_at_day=2026-11-23/part-b.parquet", v2, idRows(v2, 2))
	tc = crawlOne(t, store, "orders")
	if !tc.Recorded || tc.Version != 2 || tc.FootersRead != 1 || tc.Breaking {
		t.Fatalf("crawl after an added column = %+v, want compatible version 2 reading 1 new footer", tc)
	}
	if tc.Change != "added column note" {
		t.Fatalf("change = %q, want %q", tc.Change, "added column note")
	}

	// A third file widens qty to int64.
	v3 := schemaOf(col("id", schema.TInt64, false), col("qty", schema.TInt64, false), col("note", schema.TString, true))
	time.Sleep(10 * time.Millisecond)
	writeParquet(t, store, "tables/orders/created_at_day=2026-11-24/part-c.parquet", v3, idRows(v3, 1))
	tc = crawlOne(t, store, "orders")
	if !tc.Recorded || tc.Version != 3 || tc.Breaking || tc.Change != "widened column qty int32 -> int64" {
		t.Fatalf("crawl after a widened type = %+v", tc)
	}

	hist, err := History(ctx, store, "orders")
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 3 || hist[0].Change != "created" || hist[2].Files != 3 {
		t.Fatalf("history = %+v, want 3 versions, the first created, the last over 3 files", hist)
	}
	latest, err := Latest(ctx, store, "orders")
	if err != nil {
		t.Fatal(err)
	}
	want := schemaOf(col("id", schema.TInt64, false), col("qty", schema.TInt64, false), col("note", schema.TString, true))
	if !latest.Schema.Equal(want) {
		t.Fatalf("latest schema = %+v, want %+v", latest.Schema, want)
	}
	// The files have no created_at column: the folder key is a folder
	// column, a string (no partition_types), projected by day.
	if len(latest.Partitions) != 1 || latest.Partitions[0] != (Partition{Name: "created_at_day", Type: schema.TString, Unit: "day", First: "2026-11-22"}) {
		t.Fatalf("partitions = %+v, want the created_at_day folder column", latest.Partitions)
	}
	diff, err := Diff(ctx, store, "orders", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(diff) != 2 || diff[0].Kind != Widened || diff[1].Kind != Added {
		t.Fatalf("diff 1..latest = %v, want qty widened and note added", diff)
	}
	if _, err := Get(ctx, store, "orders", 9); clierr.Code(err) != clierr.ExitUsage || !errors.Is(err, lake.ErrNotExist) {
		t.Fatalf("Get of a missing version = %v, want a usage error wrapping ErrNotExist", err)
	}

	// The file groups keep the schemas files were written under.
	groups, err := FileGroups(ctx, store, "orders")
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 3 || groups[0].Version != 1 || !groups[0].Schema.Equal(v1) || groups[0].Files[0] != "tables/orders/created_at_day=2026-11-22/part-a.parquet" {
		t.Fatalf("file groups = %+v, want 3 groups, the first of v1 under version 1", groups)
	}
}

func TestCrawlRejectsBadInputAndRecordsNothing(t *testing.T) {
	ctx := context.Background()
	a := schemaOf(col("id", schema.TInt64, false), col("code", schema.TString, true))
	cases := []struct {
		name  string
		setup func(t *testing.T, store lake.Store)
		want  []string
	}{
		{"empty table", func(t *testing.T, store lake.Store) {}, []string{"no live Parquet files", "tables/t/"}},
		{"a file that is not Parquet", func(t *testing.T, store lake.Store) {
			writeParquet(t, store, "tables/t/good.parquet", a, idRows(a, 1))
			if _, err := store.Put(ctx, "tables/t/bad.parquet", strings.NewReader("id,code\n1,x\n"), -1, lake.PutOptions{}); err != nil {
				t.Fatal(err)
			}
		}, []string{"tables/t/bad.parquet", "not a Parquet file"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store := newStore(t)
			tc.setup(t, store)
			_, err := Crawl(ctx, store, []string{"t"}, CrawlOptions{})
			if err == nil {
				t.Fatal("crawl succeeded, want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if _, err := Latest(ctx, store, "t"); !errors.Is(err, lake.ErrNotExist) {
				t.Errorf("a version was recorded after a failed crawl (Latest err = %v)", err)
			}
		})
	}
}

func TestCrawlOfAllTablesCrawlsTheGoodOnesAndNamesTheBadOne(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	s := schemaOf(col("id", schema.TInt64, false))
	writeParquet(t, store, "tables/good/x.parquet", s, idRows(s, 1))
	if _, err := store.Put(ctx, "tables/bad/x.parquet", strings.NewReader("PAR1 nope"), -1, lake.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err := Crawl(ctx, store, nil, CrawlOptions{})
	if err == nil || !strings.Contains(err.Error(), "tables/bad/x.parquet") {
		t.Fatalf("crawl err = %v, want one naming tables/bad/x.parquet", err)
	}
	if len(res.Tables) != 2 || res.Tables[0].Table != "bad" || res.Tables[0].Error == "" || res.Tables[1].Version != 1 {
		t.Fatalf("result = %+v, want bad failed and good at version 1", res.Tables)
	}
}

func TestCrawlReadsFootersOnlyOfNewOrRewrittenFiles(t *testing.T) {
	store := newStore(t)
	s := schemaOf(col("id", schema.TInt64, false))
	for _, k := range []string{"a", "b", "c"} {
		writeParquet(t, store, "tables/t/"+k+".parquet", s, idRows(s, 2))
	}
	if tc := crawlOne(t, store, "t"); tc.FootersRead != 3 {
		t.Fatalf("first crawl read %d footers, want 3", tc.FootersRead)
	}
	writeParquet(t, store, "tables/t/b.parquet", s, idRows(s, 5)) // rewritten: size changes
	writeParquet(t, store, "tables/t/d.parquet", s, idRows(s, 1))
	if err := store.Delete(context.Background(), "tables/t/a.parquet"); err != nil {
		t.Fatal(err)
	}
	tc := crawlOne(t, store, "t")
	if tc.FootersRead != 2 || tc.Files != 3 || tc.Rows != 2+5+1 || tc.Recorded {
		t.Fatalf("crawl = %+v, want 2 footers read, 3 files, 8 rows, nothing recorded", tc)
	}
}

func TestRecordKeepsTheUnionForAppendsAndTheSchemaForReplaces(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	base := schemaOf(col("id", schema.TInt64, false), col("a", schema.TString, false))
	v, created, err := Record(ctx, store, "t", base, RecordOptions{Files: 1})
	if err != nil || !created || v.N != 1 {
		t.Fatalf("first Record = %+v, %v, %v", v, created, err)
	}
	if _, created, err := Record(ctx, store, "t", base, RecordOptions{}); err != nil || created {
		t.Fatalf("Record of the same schema created=%v err=%v, want nothing created", created, err)
	}
	// An append without column a keeps a (as nullable) and adds b.
	v, created, err = Record(ctx, store, "t", schemaOf(col("id", schema.TInt64, false), col("b", schema.TInt32, false)), RecordOptions{})
	if err != nil || !created {
		t.Fatal(created, err)
	}
	want := schemaOf(col("id", schema.TInt64, false), col("a", schema.TString, true), col("b", schema.TInt32, true))
	if !v.Schema.Equal(want) || v.Files != 1 {
		t.Fatalf("append recorded %+v, want %+v", v.Schema, want)
	}
	// A replace records exactly the new schema: a dropped, b dropped.
	v, _, err = Record(ctx, store, "t", schemaOf(col("id", schema.TInt64, false)), RecordOptions{Replace: true})
	if err != nil || v.N != 3 || !Breaking(v.Changes) {
		t.Fatalf("replace recorded %+v, %v; want version 3 with breaking drops", v, err)
	}
}

func TestConcurrentRecordsCreateOneVersionEach(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() {
			s := schemaOf(col("id", schema.TInt64, false), col("c"+string(rune('a'+i)), schema.TInt32, true))
			_, _, err := Record(ctx, store, "t", s, RecordOptions{})
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	latest, err := Latest(ctx, store, "t")
	if err != nil {
		t.Fatal(err)
	}
	if len(latest.Schema.Columns) != n+1 {
		t.Fatalf("latest has %d columns, want %d: a concurrent record was lost", len(latest.Schema.Columns), n+1)
	}
}

func TestWritersTimePartitionMatchesWhatACrawlDerives(t *testing.T) {
	store := newStore(t)
	s := schemaOf(col("id", schema.TInt64, false), col("at", schema.TTimestamp, false))
	writeParquet(t, store, "tables/t/at_hour=2026-11-23T14/a.parquet", s, nil)
	crawlOne(t, store, "t")
	latest, err := Latest(context.Background(), store, "t")
	if err != nil {
		t.Fatal(err)
	}
	got := latest.Partitions[0]
	got.First = ""
	if want := TimePartition("at", schema.TTimestamp, "hour"); len(latest.Partitions) != 1 || got != want {
		t.Fatalf("crawl derived %+v, writer's TimePartition is %+v", latest.Partitions, want)
	}
}
