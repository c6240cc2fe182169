package warehouse_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/table"
	"github.com/lakectl/lakectl/warehouse"
)

// A load from S3 sends one GET per file it loads, with or without a crawl
// before it (without one the plan reads a small file whole and takes the
// footer from its tail), one per commit record whose lineage it needs,
// and one for the catalog's file index.
func TestS3LoadSendsOneGetPerFile(t *testing.T) {
	store := s3Lake(t)
	rule := table.PartitionRule{Column: "ts", Unit: table.UnitDay}
	var all []rec
	for i := range 4 {
		b := makeRecs(1+i*100, 100, int64(i))
		appendBatch(t, store, "orders", b, rule)
		all = append(all, b...)
	}
	ctx := context.Background()
	for _, crawled := range []bool{false, true} {
		if crawled {
			if _, err := catalog.Crawl(ctx, store, nil, catalog.CrawlOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		for _, tg := range targets(t) {
			t.Run(fmt.Sprintf("%s/crawled=%v", tg.name, crawled), func(t *testing.T) {
				into := fmt.Sprintf("crawled_%v", crawled)
				res, gets := loadCountingGets(t, tg, store, warehouse.LoadOptions{Table: "orders", Into: into})
				// 4 appends of 3 days: 12 files of 4 commits.
				if res.Files != 12 || res.Rows != 400 {
					t.Fatalf("loaded %d files, %d rows; want 12 and 400", res.Files, res.Rows)
				}
				if want := int64(res.Files + 4 + 1); gets > want {
					t.Errorf("load sent %d GETs, want at most %d (one per file and commit, one for the index)", gets, want)
				}
				checkAggregates(t, tg.agg(t, into), expected(all))
				checkChecksum(t, tg, store, "orders", into)
			})
		}
	}
}

// A second load reads only the new files and the commit that added them.
func TestS3IncrementalLoadReadsOnlyNewCommits(t *testing.T) {
	store := s3Lake(t)
	rule := table.PartitionRule{Column: "ts", Unit: table.UnitDay}
	for i := range 3 {
		appendBatch(t, store, "orders", makeRecs(1+i*100, 100, int64(i)), rule)
	}
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			load(t, tg, store, warehouse.LoadOptions{Table: "orders", Into: "inc_" + tg.name})
			appendBatch(t, store, "orders", makeRecs(1000, 50, 9), rule)
			res, gets := loadCountingGets(t, tg, store, warehouse.LoadOptions{Table: "orders", Into: "inc_" + tg.name})
			if res.Files != 3 || res.Rows != 50 {
				t.Fatalf("second load took %d files, %d rows; want 3 and 50", res.Files, res.Rows)
			}
			if gets > 3+1+1 {
				t.Errorf("second load sent %d GETs, want at most 5 (3 files, 1 commit, the index)", gets)
			}
			checkChecksum(t, tg, store, "orders", "inc_"+tg.name)
		})
	}
}

func loadCountingGets(t *testing.T, tg target, store lake.Store, opts warehouse.LoadOptions) (*warehouse.LoadResult, int64) {
	t.Helper()
	before := lake.Requests(store)[lake.ReqGet]
	res := load(t, tg, store, opts)
	gets := lake.Requests(store)[lake.ReqGet] - before
	t.Logf("%s: %d files, %d GETs", tg.name, res.Files, gets)
	return res, gets
}
