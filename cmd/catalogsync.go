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
	res, err := catalog.Crawl(ctx, store, tables, catalog.CrawlOptions{Logger: f.Logger()})
	if err != nil {
		f.Logger().Warn("catalog not updated; run 'lakectl catalog crawl'", "tables", tables, "error", err)
		return
	}
	for _, t := range res.Tables {
		if t.Recorded {
			f.Logger().Info("catalog: new schema version", "table", t.Table, "version", t.Version, "change", t.Change)
		}
	}
}
