package cmd

import (
	"context"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/lake"
)

// syncCatalog records the schema of tables just written, so that the
// catalog stays current without a separate crawl. It reads only the
// footers of files the catalog has not seen. A failure here does not undo
// the write that succeeded: it is logged, and `catalog crawl` retries it.
func (f *Factory) syncCatalog(ctx context.Context, store lake.Store, tables ...string) {
	if len(tables) == 0 {
		return
	}
	// Crawl logs each table it records a version of.
	types, _ := partitionTypes(f.Config()) // a bad type is reported by catalog commands
	if _, err := catalog.Crawl(ctx, store, tables, catalog.CrawlOptions{Logger: f.Logger(), PartitionTypes: types}); err != nil {
		f.Logger().Warn("catalog not updated; run 'lakectl catalog crawl'", "tables", tables, "error", err)
	}
}
