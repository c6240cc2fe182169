package warehouse

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/lake/schema"
)

// footerReads is how many footers a load plan reads at once: on S3 each
// is a round trip, and 2,000 of them one after the other took seconds.
const footerReads = 16

// fileFooter is what the plan needs from a file's footer.
type fileFooter struct {
	schema   schema.Schema
	rows     int64
	maxBytes map[string]int
}

// footers reads the footers of the n files file(0..n-1), footerReads at
// a time, except those the catalog's file index knows (a crawl read
// them; the load then sends one GET per file, not two). An error is the
// one of the first failing file in that order (as reading them one by
// one would return): files after it are not read.
func (t lakeTable) footers(ctx context.Context, n int, file func(int) lakeFile) ([]fileFooter, error) {
	out := make([]fileFooter, n)
	errs := make([]error, n)
	var next atomic.Int64
	var failed atomic.Int64 // lowest failing index; n when none
	failed.Store(int64(n))
	known := catalog.KnownFooters(ctx, t.store, t.tbl.Name())
	var wg sync.WaitGroup
	for range min(footerReads, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) || i > failed.Load() {
					return
				}
				f := file(int(i))
				if k, ok := known(f.Key, f.Size, f.ETag); ok {
					out[i] = fileFooter{schema: k.Schema, rows: k.Rows, maxBytes: k.MaxBytes}
					continue
				}
				s, rows, mb, err := t.Footer(ctx, f)
				if err != nil {
					errs[i] = err
					for f := failed.Load(); i < f && !failed.CompareAndSwap(f, i); f = failed.Load() {
					}
					continue
				}
				out[i] = fileFooter{schema: s, rows: rows, maxBytes: mb}
			}
		}()
	}
	wg.Wait()
	if f := failed.Load(); f < int64(n) {
		return nil, errs[f]
	}
	return out, nil
}
