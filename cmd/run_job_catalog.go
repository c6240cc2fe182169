package cmd

import (
	"context"
	"strings"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/pipeline"
)

// catalogJob is the catalog job: crawl the tables, then check them.
type catalogJob struct{ f *Factory }

// Plan needs the lake all the same: a dry run says when it is unreachable.
func (k catalogJob) Plan(ctx context.Context, j config.Job) (any, error) {
	if _, err := k.f.Store(ctx); err != nil {
		return nil, err
	}
	return "crawl and check " + strings.Join(j.Tables, " "), nil
}

func (k catalogJob) Run(ctx context.Context, j config.Job, _ bool) (pipeline.Result, error) {
	store, err := k.f.Store(ctx)
	if err != nil {
		return pipeline.Result{}, err
	}
	types, _ := partitionTypes(k.f.Config())
	r, err := catalog.Crawl(ctx, store, j.Tables, catalog.CrawlOptions{Logger: k.f.Logger(), PartitionTypes: types})
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

// Validate checks the tables' names and the config's partition types as
// the crawl takes them.
func (k catalogJob) Validate(_ context.Context, j config.Job) error {
	if err := jobTables(j, false); err != nil {
		return err
	}
	_, err := partitionTypes(k.f.Config())
	return err
}
