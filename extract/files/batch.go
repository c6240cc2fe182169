package files

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/lakectl/lakectl/extract/internal/rowbatch"
	"github.com/lakectl/lakectl/extract/records"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// batch is a table's open transaction: the objects written into it and
// the layout its rows have.
type batch struct {
	tbl     *table.Table
	tx      *table.Tx
	w       *rowbatch.Writer
	lay     *records.Layout
	objects map[string]ingested
}

// batch returns the open transaction of a table whose layout holds inf,
// committing the open one first when it does not.
func (r *run) batch(ctx context.Context, name string, inf *records.Inference) (*batch, error) {
	b := r.batches[name]
	if b != nil && b.lay.Holds(inf) {
		return b, nil
	}
	var prior []schema.Column
	if b != nil {
		prior = b.lay.Columns()
		if err := r.commit(ctx, b); err != nil {
			return nil, err
		}
	} else {
		var err error
		if prior, err = r.committed.columns(name); err != nil {
			return nil, err
		}
	}
	if col := r.rule.Column; col != "" && !reserved(col) && !hasColumn(prior, col) {
		if r.rule.Unit != table.UnitValue {
			prior = append(prior, schema.Column{Name: col, Type: schema.TTimestamp})
		} else if _, seen := inf.Types[col]; !seen {
			prior = append(prior, schema.Column{Name: col, Type: schema.TString}) // all null so far
		}
	}
	lay := records.Inferred(prior, inf)
	fullScale(prior, lay)
	tbl, err := table.Open(r.store, name)
	if err != nil {
		return nil, err
	}
	if _, known := r.committed.Tables[name]; !known {
		if _, err := tbl.Recover(ctx); err != nil {
			return nil, fmt.Errorf("recover table %s: %w", name, err)
		}
	}
	if _, opened := r.layouts.Load(name); !opened { // once a run: files of another rule would mix two layouts
		if err := tbl.CheckAppend(ctx, schema.Schema{}, r.rule); err != nil {
			return nil, err
		}
	}
	tx, err := tbl.Begin(ctx, table.TxOptions{Op: table.OpAppend, Job: r.job, Logger: r.opts.Logger})
	if err != nil {
		return nil, err
	}
	w, err := tx.NewWriter(lay.Schema(reservedColumns...), table.WriterOptions{Partition: r.rule, Progress: r.opts.Progress})
	if err != nil {
		tx.Abort(context.WithoutCancel(ctx))
		return nil, err
	}
	b = &batch{tbl: tbl, tx: tx, w: rowbatch.New(w), lay: lay, objects: map[string]ingested{}}
	r.batches[name] = b
	r.layouts.Store(name, lay)
	return b, nil
}

// fullScale gives a new or changed decimal column scale 18, the most
// fraction digits a decimal is inferred with: objects of one run commit
// in several transactions, and a scale that grew from one to the next
// would be no widening (catalog and warehouse refuse such a table).
func fullScale(prior []schema.Column, lay *records.Layout) {
	for i, c := range lay.Cols {
		if c.Type.Kind != schema.Decimal || c.Type.Scale == 0 || c.Type.Scale >= 18 {
			continue
		}
		if i < len(prior) && prior[i].Type == c.Type {
			continue
		}
		lay.Cols[i].Type = schema.DecimalOf(c.Type.Precision, 18)
	}
}

func hasColumn(cols []schema.Column, name string) bool {
	for _, c := range cols {
		if c.Name == name {
			return true
		}
	}
	return false
}

// convert turns an object's records into rows of lay.
func convert(lay *records.Layout, key string, recs []map[string]any, reserved []schema.Value) ([]schema.Row, error) {
	width := len(lay.Cols) + len(reserved)
	slab := make([]schema.Value, width*len(recs)) // one allocation for the object's rows
	vals := make([]any, len(lay.Cols))
	rows := make([]schema.Row, len(recs))
	for i, rec := range recs {
		row, err := lay.Row(rec, reserved, vals, slab[i*width:(i+1)*width:(i+1)*width])
		if err != nil {
			return nil, fmt.Errorf("%s record %d: %w", key, i+1, err)
		}
		rows[i] = row
	}
	return rows, nil
}

// write adds an object's rows, converted by the fetcher when it had the
// batch's layout, else now.
func (b *batch) write(ctx context.Context, key string, f *fetched, reserved []schema.Value) error {
	rows := f.rows
	if f.lay != b.lay {
		var err error
		if rows, err = convert(b.lay, key, f.recs, reserved); err != nil {
			return err
		}
	}
	return b.w.Write(ctx, rows...)
}

func (b *batch) abort(ctx context.Context) {
	b.w.W.Close(context.WithoutCancel(ctx))
	b.tx.Abort(context.WithoutCancel(ctx))
}

// commit commits b, after the open batches that began before it: the
// job's state cache follows the latest transaction id (begin order), so
// commits must come in that order for the state to only ever grow.
func (r *run) commit(ctx context.Context, b *batch) error {
	var older []*batch
	for _, o := range r.batches {
		if o != b && o.tx.ID() < b.tx.ID() {
			older = append(older, o)
		}
	}
	sort.Slice(older, func(i, j int) bool { return older[i].tx.ID() < older[j].tx.ID() })
	all := append(older, b)
	closed := closeAll(ctx, all)
	for i, o := range all {
		if err := r.commitOne(ctx, o, closed[i]); err != nil {
			return err
		}
	}
	return nil
}

// closeAll flushes and closes the batches' writers at once: each writes
// its own table's files, so their last writes and syncs overlap. The
// commits that follow keep their order.
func closeAll(ctx context.Context, bs []*batch) []error {
	errs := make([]error, len(bs))
	if len(bs) == 1 {
		errs[0] = bs[0].close(ctx)
		return errs
	}
	var wg sync.WaitGroup
	for i, b := range bs {
		wg.Go(func() { errs[i] = b.close(ctx) })
	}
	wg.Wait()
	return errs
}

// close flushes and closes the writer (after a failed flush: closes only).
func (b *batch) close(ctx context.Context) error { return b.w.Close(ctx) }

// commitOne commits a batch's closed files (closeErr: closing them
// failed) with the job's state: the objects committed before, these, and
// the table's columns. The horizons never pass an object still in
// another open batch.
func (r *run) commitOne(ctx context.Context, b *batch, closeErr error) error {
	name := b.tbl.Name()
	delete(r.batches, name)
	defer b.tx.Abort(context.WithoutCancel(ctx)) // a no-op after the commit
	if closeErr != nil {
		return closeErr
	}
	st := r.committed.clone()
	for k, v := range b.objects {
		st.Objects[k] = v
	}
	cols := make([]stateColumn, len(b.lay.Cols))
	for i, c := range b.lay.Cols {
		cols[i] = stateColumn{Name: c.Name, Type: c.Type.String()}
	}
	st.Tables[name] = cols
	pending := append([]string(nil), r.failed...)
	for _, o := range r.batches {
		for k := range o.objects {
			pending = append(pending, k)
		}
	}
	st.advanceHorizons(pending)
	if err := b.tx.SetState(r.job, st); err != nil {
		return err
	}
	if rec, err := b.tx.Commit(ctx); err != nil {
		if rec != nil {
			r.committed = st // committed; recovery publishes the files
		}
		return fmt.Errorf("commit table %s: %w", name, err)
	}
	r.committed = st
	stats := b.w.W.Stats()
	tr := r.res.table(name)
	tr.Objects += len(b.objects)
	tr.Rows += stats.Rows
	tr.Files += int64(stats.Files)
	tr.Bytes += stats.Bytes
	r.res.Rows += stats.Rows
	r.res.Files += int64(stats.Files)
	r.res.Bytes += stats.Bytes
	return nil
}
