package api

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lakectl/lakectl/extract/internal/rowbatch"
	"github.com/lakectl/lakectl/extract/records"
	"github.com/lakectl/lakectl/lake/table"
)

// The stages of an endpoint's run, each with one job: the fetcher fetches
// units (pages to raw's lander), the transformer turns pages into rows,
// the committer writes rows into a lake transaction and commits it with
// the job's state. Extraction runs all three; replay, which reads raw/
// only, runs the transformer and the committer.

// fetcher is the fetch stage: it starts an endpoint's units in plan order,
// at most `ahead` of them fetched but not yet taken, and hands them back
// in that order. A failed unit stops its account: the account's later
// units wait for the next run.
type fetcher struct {
	r     *runner
	ep    *Endpoint
	raw   *lander
	order chan chan fetched      // each unit's result, in plan order
	lay   atomic.Pointer[layout] // the transformer's layout, for converting in the fetchers
	stop  context.CancelFunc
	wg    sync.WaitGroup

	mu     sync.Mutex
	failed map[string]error // account -> first failure
}

// startFetcher starts fetching units in the background.
func (r *runner) startFetcher(ctx context.Context, ep *Endpoint, raw *lander, units []unit, ahead int) *fetcher {
	ctx, stop := context.WithCancel(ctx)
	f := &fetcher{r: r, ep: ep, raw: raw, order: make(chan chan fetched, ahead), stop: stop, failed: map[string]error{}}
	go f.dispatch(ctx, units)
	return f
}

func (f *fetcher) dispatch(ctx context.Context, units []unit) {
	defer close(f.order)
	for _, u := range units {
		if f.stopped(u.account.ID) {
			continue // the account stopped: later windows wait for the next run
		}
		ch := make(chan fetched, 1)
		select {
		case f.order <- ch:
		case <-ctx.Done():
			return
		}
		f.wg.Go(func() { ch <- f.fetch(ctx, u) })
	}
}

// fetch fetches one unit and converts its kept pages with the published
// layout, so that the transform, which runs in one goroutine, only
// dedupes and writes.
func (f *fetcher) fetch(ctx context.Context, u unit) fetched {
	out := f.r.fetchUnit(ctx, f.ep, f.raw, u)
	if out.err == nil {
		f.r.convertUnit(ctx, f.ep, &out, f.lay.Load())
	}
	if out.err != nil {
		f.mu.Lock()
		if f.failed[u.account.ID] == nil {
			f.failed[u.account.ID] = out.err
		}
		f.mu.Unlock()
	}
	return out
}

func (f *fetcher) stopped(account string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failed[account] != nil
}

// publish hands the transformer's layout to the fetchers.
func (f *fetcher) publish(lay *layout) { f.lay.Store(lay) }

// next returns the next unit in plan order; ok is false once every unit
// was handed out.
func (f *fetcher) next(ctx context.Context) (out fetched, ok bool, err error) {
	ch, ok := <-f.order
	if !ok {
		return fetched{}, false, nil
	}
	select {
	case out = <-ch:
		return out, true, nil
	case <-ctx.Done():
		return fetched{}, false, ctx.Err()
	}
}

// abandon stops the fetchers and frees what they keep (a no-op once every
// unit was handed out and fetched).
func (f *fetcher) abandon() {
	f.stop()
	for ch := range f.order {
		f.release(<-ch)
	}
	f.wait()
}

// release frees the records a taken unit kept, once they are written.
func (f *fetcher) release(out fetched) { f.r.kept.release(out.kept) }

// wait waits for every fetch started to end.
func (f *fetcher) wait() { f.wg.Wait() }

// failures is the first failure of each account, once every unit ended.
func (f *fetcher) failures() error {
	f.wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	var errs []error
	for acc, err := range f.failed {
		// A page's error names its account already: add the prefix once.
		if !strings.HasPrefix(err.Error(), "account "+acc+" ") {
			err = fmt.Errorf("account %s: %w", acc, err)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// transformer is the transform stage: it turns stored pages into rows of
// one layout and writes each record version not seen before.
type transformer struct {
	r    *runner
	ep   *Endpoint
	seen *seenSet           // record versions stored, committed or in the open transaction
	inf  *records.Inference // every type seen (extraction: in this run)
	lay  *layout
}

// fits adds a unit's types to those seen and reports whether the layout
// holds them.
func (t *transformer) fits(inf *records.Inference) bool {
	t.inf.Merge(inf)
	return t.lay != nil && t.lay.holds(inf)
}

// relayout makes a layout for every type seen, keeping prior's columns.
func (t *transformer) relayout(prior []stateColumn) error {
	lay, err := newLayout(t.ep, prior, t.inf)
	if err != nil {
		return err
	}
	t.lay = lay
	return nil
}

// writePage writes one stored page's rows, skipping record versions
// already stored, and returns the records read. It uses p.rows when they
// were converted with the layout, else converts the page now.
func (t *transformer) writePage(ctx context.Context, w *rowbatch.Writer, p *storedPage) (int, error) {
	pr := p.rows
	if pr == nil || pr.lay != t.lay {
		var err error
		if pr, err = t.r.convertPage(ctx, t.ep, t.lay, p); err != nil {
			return 0, err
		}
	}
	day := ""
	if t.ep.Window != nil {
		day = p.meta.WindowStart.UTC().Format(time.DateOnly)
	}
	for i, fp := range pr.fps {
		if t.seen.add(day, fp) {
			if err := w.Write(ctx, pr.rows[i]); err != nil {
				return 0, err
			}
		}
	}
	return len(pr.fps), nil
}

// committer is the commit stage: it opens a transaction on the endpoint's
// table, and commits it with the job's state while the next one is
// written (one commit in flight at a time).
type committer struct {
	r          *runner
	tbl        *table.Table
	ep         *Endpoint
	job        string
	op         string  // table.OpAppend or table.OpReplace
	raw        *lander // extraction: lands raw/ bundles ahead of each commit (replay: nil)
	tx         *table.Tx
	w          *rowbatch.Writer
	rawDay     string     // the last window day written into tx
	committing chan error // the commit in flight (nil: none)
	ended      error      // the outcome of the last commit, until wait reports it
}

func (r *runner) newCommitter(tbl *table.Table, ep *Endpoint, job string, op string, raw *lander) *committer {
	return &committer{r: r, tbl: tbl, ep: ep, job: job, op: op, raw: raw}
}

// wrote notes that the open transaction holds a window of day: its
// commit first lands the raw bundles up to that day.
func (c *committer) wrote(day string) { c.rawDay = max(c.rawDay, day) }

// open reports whether a transaction is open.
func (c *committer) open() bool { return c.tx != nil }

// writer returns the open transaction's writer, first beginning one whose
// files have lay's schema.
func (c *committer) writer(ctx context.Context, lay *layout) (*rowbatch.Writer, error) {
	if c.tx != nil {
		return c.w, nil
	}
	tx, err := c.tbl.Begin(ctx, table.TxOptions{Op: c.op, Job: c.job, TableState: true, Logger: c.r.log})
	if err != nil {
		return nil, err
	}
	w, err := c.r.newWriter(tx, c.ep, lay)
	if err != nil {
		tx.Abort(context.WithoutCancel(ctx))
		return nil, err
	}
	c.tx, c.w = tx, rowbatch.New(w)
	return c.w, nil
}

// commit starts committing the open transaction (none: a no-op) with st,
// once the commit in flight ended: commits follow each other, so each
// state builds on the last. before runs on the transaction ahead of its
// state (nil: nothing). wait returns the outcome.
func (c *committer) commit(ctx context.Context, st jobState, before func(*table.Tx) error) error {
	if c.tx == nil {
		return nil
	}
	if err := c.wait(); err != nil {
		return err
	}
	tx, w, day := c.tx, c.w, c.rawDay
	c.tx, c.w, c.rawDay = nil, nil, ""
	done := make(chan error, 1)
	c.committing = done
	go func() { done <- c.finish(ctx, tx, w, day, st, before) }()
	return nil
}

// finish lands the raw bundles of the transaction's window days while it
// closes the transaction's files, then commits it with its state. It
// runs while the next transaction is written, so the lake's latency
// (uploads, commit record, moves) overlaps with the transform.
func (c *committer) finish(ctx context.Context, tx *table.Tx, w *rowbatch.Writer, day string, st jobState, before func(*table.Tx) error) error {
	defer tx.Abort(context.WithoutCancel(ctx))
	landed := make(chan error, 1)
	go func() { landed <- c.raw.flush(ctx, day) }()
	err := w.Close(ctx)
	if lerr := <-landed; err == nil {
		err = lerr
	}
	if err != nil {
		return err
	}
	if before != nil {
		if err := before(tx); err != nil {
			return err
		}
	}
	if err := tx.SetState(c.job, st); err != nil {
		return err
	}
	stats := w.W.Stats()
	if _, err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit table %s: %w", c.tbl.Name(), err)
	}
	c.r.stats.rows.Add(stats.Rows)
	c.r.stats.files.Add(int64(stats.Files))
	c.r.stats.written.Add(stats.Bytes)
	return nil
}

// wait waits for the commit in flight, if any, and returns the outcome
// of the last commit not yet reported.
func (c *committer) wait() error {
	if c.committing != nil {
		c.ended = <-c.committing
		c.committing = nil
	}
	err := c.ended
	c.ended = nil
	return err
}

// busy reports whether a commit is in flight. A commit that ended keeps
// its outcome for wait: a failure stops the run at the next commit.
func (c *committer) busy() bool {
	if c.committing == nil {
		return false
	}
	select {
	case c.ended = <-c.committing:
		c.committing = nil
		return false
	default:
		return true
	}
}

// abort drops the open transaction (a no-op after its commit) once the
// commit in flight has ended.
func (c *committer) abort(ctx context.Context) {
	_ = c.wait()
	if c.tx != nil {
		c.w.W.Close(ctx)
		c.tx.Abort(context.WithoutCancel(ctx))
		c.tx, c.w = nil, nil
	}
}

// windows records the windows an extraction stored: each account's
// watermark advances over its contiguous successful windows, and stops
// for the run at its first failed window or gap.
type windows struct {
	ep      *Endpoint
	stopped map[string]bool
	units   []windowDone // since the last commit, in plan order
}

type windowDone struct {
	u      unit
	failed bool
}

func (w *windows) add(f fetched) { w.units = append(w.units, windowDone{u: f.u, failed: f.err != nil}) }

// advance returns wms advanced over the windows added since the last call.
func (w *windows) advance(wms map[string]time.Time) map[string]time.Time {
	units := w.units
	w.units = nil
	next := map[string]time.Time{}
	for k, v := range wms {
		next[k] = v
	}
	if w.ep.Window == nil {
		return next
	}
	for _, d := range units { // in window order
		id := d.u.account.ID
		if w.stopped[id] {
			continue
		}
		if d.failed {
			w.stopped[id] = true
			continue
		}
		wm, has := next[id]
		if has && d.u.start.After(wm) {
			w.stopped[id] = true // a gap: never advance past what is not stored
			continue
		}
		if !has || d.u.end.After(wm) {
			next[id] = d.u.end
		}
	}
	return next
}

// extraction runs the three stages over an endpoint's planned units: it
// takes fetched units in plan order and writes their records into the
// open transaction, committed every batchUnits units (at most once every
// minCommitEvery), when a new column or wider type needs a new layout, and
// at the end.
type extraction struct {
	fetch      *fetcher
	tr         *transformer
	com        *committer
	wins       *windows
	st         *jobState // the state of the last commit, done or in flight
	covered    string    // first window day seen is complete for (coveredFrom)
	batchUnits int
	lost       <-chan struct{} // the table's lock was lost
	committed  time.Time       // when the last commit (or the run) started
}

// run takes every fetched unit, then commits what is left.
func (x *extraction) run(ctx context.Context) error {
	for {
		f, ok, err := x.fetch.next(ctx)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		err = x.add(ctx, f)
		x.fetch.release(f)
		if err == nil && x.due() {
			err = x.commit(ctx)
		}
		if err == nil {
			select {
			case <-x.lost:
				err = fmt.Errorf("lost the lock of table %s; stopping", x.com.tbl.Name())
			default:
			}
		}
		if err != nil {
			return err
		}
	}
	x.fetch.wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err := x.commit(ctx); err != nil {
		return err
	}
	if err := x.com.wait(); err != nil {
		return err
	}
	return x.fetch.raw.flush(ctx, "") // failed windows' responses
}

// due reports whether the open transaction should be committed now: once
// it holds batchUnits units, the commit before it ended and minCommitEvery
// passed since it started (a failed one: at once). While a slow lake (S3
// under load) still commits, or a fast source fills batches in less than
// minCommitEvery, the transaction grows instead of stalling the transform
// and, through it, the fetchers, up to maxBatches x batchUnits units (what
// a killed run may re-fetch).
func (x *extraction) due() bool {
	n := len(x.wins.units)
	switch {
	case n >= maxBatches*x.batchUnits:
		return true
	case n < x.batchUnits || x.com.busy():
		return false
	}
	return x.com.ended != nil || time.Since(x.committed) >= minCommitEvery
}

// maxBatches bounds how far an open transaction grows while the commit
// before it is in flight.
const maxBatches = 4

// minCommitEvery spaces commits: each costs the lake a dozen requests, a
// Parquet file per partition and a raw bundle cut short, whatever the
// rows it carries. (A variable for the kill test, which needs commits
// close together.)
var minCommitEvery = time.Second

// add writes a unit's records into the open transaction, first committing
// it when the unit needs a column or type its layout lacks.
func (x *extraction) add(ctx context.Context, f fetched) error {
	if f.err == nil {
		if !x.tr.fits(f.inf) {
			if err := x.commit(ctx); err != nil {
				return err
			}
			if err := x.tr.relayout(x.st.Columns); err != nil {
				return err
			}
			x.fetch.publish(x.tr.lay)
		}
		w, err := x.com.writer(ctx, x.tr.lay)
		if err != nil {
			return err
		}
		x.com.wrote(rawDay(f.u.start))
		for i := range f.pages {
			if _, err := x.tr.writePage(ctx, w, &f.pages[i]); err != nil {
				return err
			}
			f.pages[i].recs, f.pages[i].rows = nil, nil
		}
	}
	x.wins.add(f)
	return nil
}

// commit commits the open transaction with the watermarks advanced over
// the windows written. Failed units with no open transaction only stop
// their account's watermark.
func (x *extraction) commit(ctx context.Context) error {
	next := x.wins.advance(x.st.Watermarks)
	if !x.com.open() {
		return nil
	}
	keep := keepSeenFrom(x.tr.ep, next)
	st := jobState{Watermarks: next, Columns: x.tr.lay.stateColumns(), Seen: x.tr.seen.encode(keep)}
	if keep != "" {
		st.SeenFrom = max(keep, x.covered)
	}
	*x.st = st // what the next commit builds on; nothing follows a failed commit
	x.committed = time.Now()
	return x.com.commit(ctx, st, nil)
}
