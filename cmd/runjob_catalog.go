package cmd

import (
	"context"
	"strings"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/pipeline"
)

// catalogJob is the catalog job: crawl the tables, then check them.
func catalogJob(f *Factory) pipeline.KindFunc {
	return func(ctx context.Context, j config.Job, dryRun bool) (pipeline.Result, error) {
		store, err := f.Store(ctx)
		if err != nil {
			return pipeline.Result{}, err
		}
		if dryRun {
			return pipeline.Result{Value: "crawl and check " + strings.Join(j.Tables, " ")}, nil
		}
		types, _ := partitionTypes(f.Config())
		r, err := catalog.Crawl(ctx, store, j.Tables, catalog.CrawlOptions{Logger: f.Logger(), PartitionTypes: types})
		var res pipeline.Result
		if r != nil {
			res.Rows, res.Files, res.Bytes = r.Rows, int64(r.Files), r.Bytes
		}
		if err != nil {
			return res, err
		}
		cr, err := catalog.Check(ctx, store, j.Tables, catalog.CheckOptions{PartitionTypes: types})
		res.Value = map[string]any{"crawl": r, "check": cr}
		return res, err
	}
}
