package api

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// extractEndpoint fetches the endpoint's units batch by batch; each batch
// is one transaction whose commit carries the advanced state, so a killed
// run loses at most the batch in flight and the next run resumes there.
func (r *runner) extractEndpoint(ctx context.Context, ep *Endpoint, accs []unitAccount) error {
	tbl, lock, err := r.lockTable(ctx, ep)
	if err != nil {
		return err
	}
	defer lock.Release(context.WithoutCancel(ctx))
	job := jobName(r.spec.Name, ep.Name)
	st, err := loadJobState(ctx, r.store, job)
	if err != nil {
		return err
	}
	units := planUnits(ep, accs, st, r.opts.From, r.opts.To, r.opts.Now())
	batch := max(256, 8*cap(r.local))
	// Fetching runs one batch ahead of committing, so the network stays
	// busy while a batch is transformed and committed.
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	batches := make(chan []fetched, 1)
	var mu sync.Mutex
	failed := map[string]error{} // account -> first failure
	go func() {
		defer close(batches)
		for len(units) > 0 && fctx.Err() == nil {
			n := min(batch, len(units))
			var todo []unit
			mu.Lock()
			for _, u := range units[:n] {
				if failed[u.account.ID] == nil {
					todo = append(todo, u)
				}
			}
			mu.Unlock()
			units = units[n:]
			results := make([]fetched, len(todo))
			var wg sync.WaitGroup
			for i, u := range todo {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i] = r.fetchUnit(fctx, ep, u)
				}()
			}
			wg.Wait()
			mu.Lock()
			for _, f := range results {
				if f.err != nil && failed[f.u.account.ID] == nil {
					failed[f.u.account.ID] = f.err
				}
			}
			mu.Unlock()
			select {
			case batches <- results:
			case <-fctx.Done():
				return
			}
		}
	}()
	for results := range batches {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := r.commitBatch(ctx, tbl, ep, job, &st, results); err != nil {
			stop()
			for range batches {
			}
			return err
		}
		select {
		case <-lock.Lost():
			stop()
			for range batches {
			}
			return fmt.Errorf("lost the lock of table %s; stopping", tbl.Name())
		default:
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	mu.Lock()
	defer mu.Unlock()
	var errs []error
	for acc, err := range failed {
		errs = append(errs, fmt.Errorf("account %s: %w", acc, err))
	}
	return errors.Join(errs...)
}

// commitBatch transforms the successful units of a batch from raw/ into
// one transaction and advances the watermarks over the contiguous
// successful windows of each account.
func (r *runner) commitBatch(ctx context.Context, tbl *table.Table, ep *Endpoint, job string, st *jobState, results []fetched) error {
	inf := newInference()
	var ok []fetched
	for _, f := range results {
		if f.err == nil {
			ok = append(ok, f)
			inf.merge(f.inf)
		}
	}
	if len(ok) == 0 {
		return nil
	}
	lay, err := newLayout(ep, st.Columns, inf)
	if err != nil {
		return err
	}
	tx, err := tbl.Begin(ctx, table.TxOptions{Op: table.OpAppend, Job: job, Logger: r.log})
	if err != nil {
		return err
	}
	defer tx.Abort(context.WithoutCancel(ctx))
	seen := decodeSeen(st.Seen)
	w, err := r.newWriter(tx, ep, lay)
	if err != nil {
		return err
	}
	for _, f := range ok {
		for i, base := range f.bases {
			var kp *keptPage
			if i < len(f.pages) {
				kp = &f.pages[i]
			}
			if _, err := r.writePage(ctx, w, ep, lay, seen, base, kp); err != nil {
				w.Close(ctx)
				return err
			}
		}
	}
	if err := w.Close(ctx); err != nil {
		return err
	}
	// Watermarks: per account, the end of the run of successful windows
	// that starts at or before the current watermark.
	next := map[string]time.Time{}
	for k, v := range st.Watermarks {
		next[k] = v
	}
	if ep.Window != nil {
		stopped := map[string]bool{}
		for _, f := range results { // results are in window order
			id := f.u.account.ID
			if stopped[id] {
				continue
			}
			if f.err != nil {
				stopped[id] = true
				continue
			}
			wm, has := next[id]
			if has && f.u.start.After(wm) {
				stopped[id] = true // a gap: never advance past what is not stored
				continue
			}
			if !has || f.u.end.After(wm) {
				next[id] = f.u.end
			}
		}
	}
	newState := jobState{Watermarks: next, Columns: lay.stateColumns(), Seen: seen.encode(keepSeenFrom(ep, next))}
	if err := tx.SetState(job, newState); err != nil {
		return err
	}
	stats := w.Stats()
	if _, err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit table %s: %w", tbl.Name(), err)
	}
	*st = newState
	r.mu.Lock()
	r.rows += stats.Rows
	r.files += int64(stats.Files)
	r.outBytes += stats.Bytes
	r.mu.Unlock()
	return nil
}

// keepSeenFrom is the first window day a later run can re-fetch.
func keepSeenFrom(ep *Endpoint, wms map[string]time.Time) string {
	if ep.Window == nil || len(wms) == 0 {
		return ""
	}
	var low time.Time
	for _, t := range wms {
		if low.IsZero() || t.Before(low) {
			low = t
		}
	}
	return low.Add(-ep.Window.Lookback.D() - ep.Window.span() - 24*time.Hour).UTC().Format(time.DateOnly)
}

func (r *runner) newWriter(tx *table.Tx, ep *Endpoint, lay *layout) (*table.Writer, error) {
	rule, err := table.ParsePartitionRule(ep.PartitionBy)
	if err != nil {
		return nil, err
	}
	return tx.NewWriter(lay.schema(), table.WriterOptions{Partition: rule, Progress: r.prog})
}

// writePage transforms one stored page into rows, skipping record
// versions already stored. It returns the records read.
//
// kp is the page still in memory, or nil to read it back from raw/.
func (r *runner) writePage(ctx context.Context, w *table.Writer, ep *Endpoint, lay *layout, seen *seenSet, base string, kp *keptPage) (int, error) {
	var (
		body []byte
		meta rawMeta
		err  error
	)
	if kp != nil {
		body, meta = kp.body, kp.meta
	} else {
		if body, err = readBody(ctx, r.store, base); err != nil {
			return 0, err
		}
		if meta, err = readMeta(ctx, r.store, base+metaSuffix); err != nil {
			return 0, err
		}
	}
	doc, err := decodeBody(body)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", base+bodySuffix, err)
	}
	recs, err := recordsOf(doc, mustPath(ep.RecordsPath))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", base+bodySuffix, err)
	}
	rm := rowMeta{source: r.spec.Name, account: meta.Account, windowStart: meta.WindowStart, extractedAt: meta.ReceivedAt}
	day := ""
	if ep.Window != nil {
		day = meta.WindowStart.UTC().Format(time.DateOnly)
	}
	rows := make([]schema.Row, 0, len(recs))
	for i, rec := range recs {
		obj, ok := rec.(map[string]any)
		if !ok {
			return 0, fmt.Errorf("%s: record %d is not an object", base+bodySuffix, i)
		}
		row, vals, err := lay.row(obj, rm)
		if err != nil {
			return 0, fmt.Errorf("%s: record %d: %w", base+bodySuffix, i, err)
		}
		if seen.add(day, lay.fingerprint(rm.account, obj, vals)) {
			rows = append(rows, row)
		}
	}
	if len(rows) > 0 {
		if err := w.Write(ctx, rows); err != nil {
			return 0, err
		}
	}
	return len(recs), nil
}
