package catalog

import (
	"context"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
)

func TestCheckExitCodes(t *testing.T) {
	ctx := context.Background()
	v1 := schemaOf(col("id", schema.TInt64, false), col("amount", schema.DecimalOf(12, 2), true))
	cases := []struct {
		name  string
		setup func(t *testing.T, store lake.Store)
		code  int
		want  []string // in the error message
	}{
		{"unchanged table passes", func(t *testing.T, store lake.Store) {}, clierr.ExitOK, nil},
		{"files in two partition layouts exit 3", func(t *testing.T, store lake.Store) {
			writeParquet(t, store, "tables/t/id_part=1/b.parquet", v1, nil)
		}, clierr.ExitBreaking, []string{"two partition layouts", "id_part", "tables/t/a.parquet"}},
		{"a compatible new file passes", func(t *testing.T, store lake.Store) {
			writeParquet(t, store, "tables/t/b.parquet", schemaOf(col("id", schema.TInt64, false), col("amount", schema.DecimalOf(14, 2), true), col("x", schema.TString, true)), nil)
		}, clierr.ExitOK, nil},
		{"live files that dropped a column exit 3", func(t *testing.T, store lake.Store) {
			if err := store.Delete(ctx, "tables/t/a.parquet"); err != nil {
				t.Fatal(err)
			}
			writeParquet(t, store, "tables/t/b.parquet", schemaOf(col("id", schema.TInt64, false)), nil)
		}, clierr.ExitBreaking, []string{"column amount", "dropped"}},
		{"a recorded narrowing exits 3", func(t *testing.T, store lake.Store) {
			if err := store.Delete(ctx, "tables/t/a.parquet"); err != nil {
				t.Fatal(err)
			}
			writeParquet(t, store, "tables/t/b.parquet", schemaOf(col("id", schema.TInt32, false), col("amount", schema.DecimalOf(12, 2), true)), nil)
			if _, err := Crawl(ctx, store, []string{"t"}, CrawlOptions{}); err != nil {
				t.Fatal(err)
			}
		}, clierr.ExitBreaking, []string{"version 2 vs 1", "column id", "narrowed", "int32"}},
		{"a changed type exits 3", func(t *testing.T, store lake.Store) {
			if err := store.Delete(ctx, "tables/t/a.parquet"); err != nil {
				t.Fatal(err)
			}
			writeParquet(t, store, "tables/t/b.parquet", schemaOf(col("id", schema.TInt64, false), col("amount", schema.TString, true)), nil)
		}, clierr.ExitBreaking, []string{"column amount", "changed"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store := newStore(t)
			writeParquet(t, store, "tables/t/a.parquet", v1, nil)
			if _, err := Crawl(ctx, store, nil, CrawlOptions{}); err != nil {
				t.Fatal(err)
			}
			tc.setup(t, store)
			res, err := Check(ctx, store, []string{"t"})
			if got := clierr.Code(err); got != tc.code {
				t.Fatalf("check exit code = %d (err %v), want %d", got, err, tc.code)
			}
			if res == nil || len(res.Tables) != 1 || res.Breaking != (tc.code == clierr.ExitBreaking) {
				t.Fatalf("check result = %+v", res)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestCheckOfANeverCrawledTableSaysSo(t *testing.T) {
	store := newStore(t)
	writeParquet(t, store, "tables/t/a.parquet", schemaOf(col("id", schema.TInt64, false)), nil)
	res, err := Check(context.Background(), store, nil)
	if err != nil || len(res.Tables) != 1 || !res.Tables[0].NotCrawled || !strings.Contains(res.Tables[0].Note, "no recorded schema version") {
		t.Fatalf("check = %+v, %v; want a never-crawled table", res, err)
	}
}
