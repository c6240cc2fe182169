package api

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// extractEndpoint runs three stages at once: a dispatcher starts the
// endpoint's units in plan order (at most `ahead` of them fetched but not
// yet transformed), each unit fetches its pages and stores them in raw/,
// and one transformer takes the units back in plan order and writes their
// records into an open transaction, committed every batchUnits units, when
// a new column or wider type needs a new layout, and at the end. A commit
// runs while the next transaction is written (one in flight at a time).
// Each commit carries the advanced state, so a killed run loses at most
// the open transaction and the one committing, and the next run resumes
// there. Fetchers never wait on the transform except through the `ahead`
// bound, and the transform never sees a unit before all its pages are
// stored, so no record is committed before its raw page.
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
	ahead := max(256, 8*cap(r.local))

	fctx, stop := context.WithCancel(ctx)
	defer stop()
	order := make(chan chan fetched, ahead) // each unit's result, in plan order
	var pub atomic.Pointer[layout]          // the transformer's layout, for converting in the fetchers
	var mu sync.Mutex
	failed := map[string]error{} // account -> first failure
	var fetchers sync.WaitGroup
	go func() {
		defer close(order)
		for _, u := range units {
			mu.Lock()
			skip := failed[u.account.ID] != nil
			mu.Unlock()
			if skip {
				continue // the account stopped: later windows wait for the next run
			}
			ch := make(chan fetched, 1)
			select {
			case order <- ch:
			case <-fctx.Done():
				return
			}
			fetchers.Go(func() {
				f := r.fetchUnit(fctx, ep, u)
				if f.err == nil {
					r.convertUnit(fctx, ep, &f, pub.Load())
				}
				if f.err != nil {
					mu.Lock()
					if failed[u.account.ID] == nil {
						failed[u.account.ID] = f.err
					}
					mu.Unlock()
				}
				ch <- f
			})
		}
	}()
	// abandon stops the fetchers and frees what they keep.
	abandon := func() {
		stop()
		for ch := range order {
			r.releaseKept((<-ch).kept)
		}
		fetchers.Wait()
	}

	tw := &transformer{r: r, tbl: tbl, ep: ep, job: job, st: &st, seen: decodeSeen(st.Seen), inf: newInference(),
		stopped: map[string]bool{}, batchUnits: ahead, pub: &pub}
	defer tw.abort(ctx)
	for ch := range order {
		var f fetched
		select {
		case f = <-ch:
		case <-ctx.Done():
			abandon()
			return ctx.Err()
		}
		err := tw.add(ctx, f)
		r.releaseKept(f.kept)
		if err == nil && len(tw.units) >= tw.batchUnits {
			err = tw.commit(ctx)
		}
		if err == nil {
			select {
			case <-lock.Lost():
				err = fmt.Errorf("lost the lock of table %s; stopping", tbl.Name())
			default:
			}
		}
		if err != nil {
			abandon()
			return err
		}
	}
	fetchers.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err := tw.commit(ctx); err != nil {
		return err
	}
	if err := tw.wait(); err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	var errs []error
	for acc, err := range failed {
		// A page's error names its account already: add the prefix once.
		if !strings.HasPrefix(err.Error(), "account "+acc+" ") {
			err = fmt.Errorf("account %s: %w", acc, err)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// transformer writes fetched units, in plan order, into one open
// transaction at a time.
type transformer struct {
	r          *runner
	tbl        *table.Table
	ep         *Endpoint
	job        string
	st         *jobState  // the state of the last commit, done or in flight
	seen       *seenSet   // record versions stored, committed or in the open transaction
	inf        *inference // every type seen in this run
	stopped    map[string]bool
	batchUnits int
	pub        *atomic.Pointer[layout] // lay, published to the fetchers

	tx         *table.Tx
	w          *rowBatcher
	committing chan error // the commit in flight (nil: none)
	lay        *layout
	units      []fetched // in the open transaction, failed ones included (for the watermarks)
}

// add writes a unit's records into the open transaction, first committing
// it when the unit needs a column or type its layout lacks.
func (t *transformer) add(ctx context.Context, f fetched) error {
	if f.err == nil {
		t.inf.merge(f.inf)
		if t.lay == nil || !t.lay.holds(f.inf) {
			if err := t.commit(ctx); err != nil {
				return err
			}
			lay, err := newLayout(t.ep, t.st.Columns, t.inf)
			if err != nil {
				return err
			}
			t.lay = lay
			t.pub.Store(lay)
		}
		if t.tx == nil {
			if err := t.begin(ctx); err != nil {
				return err
			}
		}
		for i := range f.pages {
			if _, err := t.r.writePage(ctx, t.w, t.ep, t.lay, t.seen, &f.pages[i]); err != nil {
				return err
			}
			f.pages[i].recs, f.pages[i].rows = nil, nil
		}
	}
	t.units = append(t.units, fetched{u: f.u, err: f.err})
	return nil
}

func (t *transformer) begin(ctx context.Context) error {
	tx, err := t.tbl.Begin(ctx, table.TxOptions{Op: table.OpAppend, Job: t.job, Logger: t.r.log})
	if err != nil {
		return err
	}
	w, err := t.r.newWriter(tx, t.ep, t.lay)
	if err != nil {
		tx.Abort(context.WithoutCancel(ctx))
		return err
	}
	t.tx, t.w = tx, &rowBatcher{w: w}
	return nil
}

// commit commits the open transaction with the watermarks advanced over
// the contiguous successful windows of each account. Failed units with no
// open transaction only stop their account's watermark.
func (t *transformer) commit(ctx context.Context) error {
	units := t.units
	t.units = nil
	next := map[string]time.Time{}
	for k, v := range t.st.Watermarks {
		next[k] = v
	}
	if t.ep.Window != nil {
		for _, f := range units { // in window order
			id := f.u.account.ID
			if t.stopped[id] {
				continue
			}
			if f.err != nil {
				t.stopped[id] = true
				continue
			}
			wm, has := next[id]
			if has && f.u.start.After(wm) {
				t.stopped[id] = true // a gap: never advance past what is not stored
				continue
			}
			if !has || f.u.end.After(wm) {
				next[id] = f.u.end
			}
		}
	}
	if t.tx == nil {
		return nil
	}
	// Commits follow each other: this one's state builds on the last.
	if err := t.wait(); err != nil {
		return err
	}
	tx, w, lay := t.tx, t.w, t.lay
	t.tx, t.w = nil, nil
	newState := jobState{Watermarks: next, Columns: lay.stateColumns(), Seen: t.seen.encode(keepSeenFrom(t.ep, next))}
	*t.st = newState // what the next commit builds on; nothing follows a failed commit
	done := make(chan error, 1)
	t.committing = done
	go func() { done <- t.finish(ctx, tx, w, newState) }()
	return nil
}

// finish closes a transaction's files and commits it with its state. It
// runs while the next transaction is written, so the lake's latency
// (uploads, commit record, moves) overlaps with the transform.
func (t *transformer) finish(ctx context.Context, tx *table.Tx, w *rowBatcher, st jobState) error {
	defer tx.Abort(context.WithoutCancel(ctx))
	if err := w.close(ctx); err != nil {
		return err
	}
	if err := tx.SetState(t.job, st); err != nil {
		return err
	}
	stats := w.w.Stats()
	if _, err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit table %s: %w", t.tbl.Name(), err)
	}
	r := t.r
	r.mu.Lock()
	r.rows += stats.Rows
	r.files += int64(stats.Files)
	r.outBytes += stats.Bytes
	r.mu.Unlock()
	return nil
}

// wait waits for the commit in flight, if any.
func (t *transformer) wait() error {
	if t.committing == nil {
		return nil
	}
	err := <-t.committing
	t.committing = nil
	return err
}

// abort drops the open transaction (a no-op after its commit) once the
// commit in flight has ended.
func (t *transformer) abort(ctx context.Context) {
	_ = t.wait()
	if t.tx != nil {
		t.w.w.Close(ctx)
		t.tx.Abort(context.WithoutCancel(ctx))
		t.tx = nil
	}
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

// pageRows are a page's records converted with one layout, with the
// fingerprint of each record version.
type pageRows struct {
	lay  *layout
	rows []schema.Row
	fps  []uint64
}

// convertPage converts a page's records (read back from raw/ when they
// were not kept) with lay. It is safe to run concurrently.
func (r *runner) convertPage(ctx context.Context, ep *Endpoint, lay *layout, p *storedPage) (*pageRows, error) {
	recs, meta, base := p.recs, p.meta, p.base
	if !p.kept {
		body, _, _, err := readPage(ctx, r.store, base)
		if err != nil {
			return nil, err
		}
		doc, err := decodeBody(body)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", base+bodySuffix, err)
		}
		if recs, err = recordsOf(doc, mustPath(ep.RecordsPath)); err != nil {
			return nil, fmt.Errorf("%s: %w", base+bodySuffix, err)
		}
	}
	reserved := rowMeta{source: r.spec.Name, account: meta.Account, windowStart: meta.WindowStart, extractedAt: meta.ReceivedAt}.reserved()
	pr := &pageRows{lay: lay, rows: make([]schema.Row, len(recs)), fps: make([]uint64, len(recs))}
	width := len(lay.cols) + len(reserved)
	slab := make([]schema.Value, width*len(recs)) // one allocation for the page's rows
	vals := make([]any, len(lay.cols))
	for i, rec := range recs {
		obj, ok := rec.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: record %d is not an object", base+bodySuffix, i)
		}
		row, err := lay.row(obj, reserved, vals, slab[i*width:(i+1)*width:(i+1)*width])
		if err != nil {
			return nil, fmt.Errorf("%s: record %d: %w", base+bodySuffix, i, err)
		}
		pr.rows[i], pr.fps[i] = row, lay.fingerprint(meta.Account, obj, vals)
	}
	return pr, nil
}

// writePage writes one stored page's rows, skipping record versions
// already stored, and returns the records read. It uses p.rows when they
// were converted with lay, else converts the page now.
func (r *runner) writePage(ctx context.Context, w *rowBatcher, ep *Endpoint, lay *layout, seen *seenSet, p *storedPage) (int, error) {
	pr := p.rows
	if pr == nil || pr.lay != lay {
		var err error
		if pr, err = r.convertPage(ctx, ep, lay, p); err != nil {
			return 0, err
		}
	}
	day := ""
	if ep.Window != nil {
		day = p.meta.WindowStart.UTC().Format(time.DateOnly)
	}
	for i, fp := range pr.fps {
		if seen.add(day, fp) {
			if err := w.write(ctx, pr.rows[i]); err != nil {
				return 0, err
			}
		}
	}
	return len(pr.fps), nil
}

// rowBatcher hands rows to a table writer in batches of writeBatchRows:
// each Write of the Parquet writer runs a round of goroutines per column,
// which costs more than a page's rows when the machine is busy.
type rowBatcher struct {
	w    *table.Writer
	rows []schema.Row
}

const writeBatchRows = 4096

func (b *rowBatcher) write(ctx context.Context, rows ...schema.Row) error {
	b.rows = append(b.rows, rows...)
	if len(b.rows) >= writeBatchRows {
		return b.flush(ctx)
	}
	return nil
}

func (b *rowBatcher) flush(ctx context.Context) error {
	if len(b.rows) == 0 {
		return nil
	}
	rows := b.rows
	b.rows = make([]schema.Row, 0, writeBatchRows)
	return b.w.Write(ctx, rows)
}

// close flushes and closes the writer (after an error: closes only).
func (b *rowBatcher) close(ctx context.Context) error {
	err := b.flush(ctx)
	if cerr := b.w.Close(ctx); err == nil {
		err = cerr
	}
	return err
}
