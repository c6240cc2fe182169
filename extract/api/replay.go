package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/lakectl/lakectl/extract/internal/rowbatch"
	"github.com/lakectl/lakectl/extract/records"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// replayEndpoint rebuilds the endpoint's table from raw/ alone: a first
// pass over the stored pages infers the types, a second runs them through
// the transform and commit stages (one version of each record, as
// extraction does) in one replace transaction. With a From/To range only
// the windows in the range are rebuilt and the table's rows of other
// windows are carried over unchanged.
func (r *runner) replayEndpoint(ctx context.Context, ep *Endpoint) error {
	t, err := r.openTable(ctx, ep)
	if err != nil {
		return err
	}
	defer t.release(ctx)
	st := t.st
	tr := &transformer{r: r, ep: ep, seen: decodeSeen(nil), inf: records.NewInference()}
	if err := r.observeReplayed(ctx, ep, tr.inf); err != nil {
		return err
	}
	if err := tr.relayout(st.Columns); err != nil {
		return err
	}
	com := r.newCommitter(t.tbl, ep, t.job, table.OpReplace, nil)
	defer com.abort(ctx)
	w, err := com.writer(ctx, tr.lay)
	if err != nil {
		return err
	}
	from, to := r.opts.From, r.opts.To
	ranged := !from.IsZero() || !to.IsZero()
	var live []table.File
	if err := t.tbl.Files(ctx, func(f table.File) error { live = append(live, f); return nil }); err != nil {
		return err
	}
	if ranged {
		for _, f := range live {
			if err := r.carryOver(ctx, w, tr.lay, f, from, to); err != nil {
				return err
			}
		}
	}
	_, err = listFetches(ctx, r.store, r.spec.Name, ep.Name, from, to, func(f rawFetch) error {
		for i := range f.pages {
			n, err := tr.writePage(ctx, w, &f.pages[i])
			if err != nil {
				return err
			}
			r.stats.records.Add(int64(n))
		}
		return nil
	})
	if err != nil {
		return err
	}
	st.Columns = tr.lay.stateColumns()
	replayedSeen(ep, &st, tr.seen, ranged)
	err = com.commit(ctx, st, func(tx *table.Tx) error {
		for _, f := range live {
			if err := tx.RemoveFile(f.Key); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return com.wait()
}

// observeReplayed adds the types of every complete fetch in the replay's
// range to inf.
func (r *runner) observeReplayed(ctx context.Context, ep *Endpoint, inf *records.Inference) error {
	skipped, err := listFetches(ctx, r.store, r.spec.Name, ep.Name, r.opts.From, r.opts.To, func(f rawFetch) error {
		for _, p := range f.pages {
			if err := observeStored(ctx, r.store, ep, inf, p.ref); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if skipped > 0 {
		r.log.Info("replay skips incomplete or failed fetches", "endpoint", ep.Name, "fetches", skipped)
	}
	return nil
}

// carryOver copies the rows of a live file whose window is outside
// [from, to) into the new snapshot, converting to the layout's types.
func (r *runner) carryOver(ctx context.Context, w *rowbatch.Writer, lay *layout, f table.File, from, to time.Time) error {
	rd, err := parquetfile.OpenReader(parquetfile.StoreReaderAt(ctx, r.store, f.Key, f.Size), f.Size)
	if err != nil {
		return fmt.Errorf("open %s: %w", f.Key, err)
	}
	defer rd.Close()
	src := rd.Schema()
	dst := lay.schema()
	ws := src.Index("_window_start")
	if ws < 0 {
		// Bad input: the range asks for what the table's files cannot tell.
		return input.Errorf("%s has no _window_start column; replay the whole table (without %s/%s)", f.Key, input.Option("from"), input.Option("to"))
	}
	pos := make([]int, len(dst.Columns))
	for i, c := range dst.Columns {
		pos[i] = src.Index(c.Name)
	}
	buf := make([]schema.Row, 256)
	for {
		n, err := rd.Read(buf)
		var out []schema.Row
		for _, row := range buf[:n] {
			t := time.UnixMicro(row[ws].Int64()).UTC()
			if (from.IsZero() || !t.Before(from)) && (to.IsZero() || t.Before(to)) {
				continue // rebuilt from raw/
			}
			nr := make(schema.Row, len(dst.Columns))
			for i, c := range dst.Columns {
				if pos[i] < 0 {
					nr[i] = schema.NullValue()
					continue
				}
				v, cerr := recast(row[pos[i]], src.Columns[pos[i]].Type, c.Type)
				if cerr != nil {
					return fmt.Errorf("%s column %s: %w", f.Key, c.Name, cerr)
				}
				nr[i] = v
			}
			out = append(out, nr)
		}
		if werr := w.Write(ctx, out...); werr != nil {
			return werr
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", f.Key, err)
		}
	}
}

// recast converts a lake value between the types widen produces.
func recast(v schema.Value, from, to schema.Type) (schema.Value, error) {
	if from == to || v.IsNull() {
		return v, nil
	}
	g := schema.Go(from, v)
	var j any
	switch x := g.(type) {
	case int64:
		j = json.Number(strconv.FormatInt(x, 10))
	case uint64:
		j = json.Number(strconv.FormatUint(x, 10))
	case float64:
		j = json.Number(strconv.FormatFloat(x, 'g', -1, 64))
	case string:
		if from.Kind == schema.Decimal {
			j = json.Number(x)
		} else {
			j = x
		}
	case time.Time:
		j = x.Format(time.RFC3339Nano)
	default:
		j = x
	}
	return records.Convert(j, to, "")
}

// observeStored adds the records of the raw page stored at ref to inf:
// replay and the re-fetch of held windows read raw/ the same way.
func observeStored(ctx context.Context, store lake.Store, ep *Endpoint, inf *records.Inference, ref pageRef) error {
	body, err := readBody(ctx, store, ref)
	if err != nil {
		return err
	}
	doc, err := decodeBody(body)
	if err != nil {
		return fmt.Errorf("%s: %w", ref, err)
	}
	recs, err := recordsOf(doc, mustPath(ep.RecordsPath))
	if err != nil {
		return fmt.Errorf("%s: %w", ref, err)
	}
	if err := observe(ep, inf, recs); err != nil {
		return fmt.Errorf("%s: %w", ref, err)
	}
	return nil
}
