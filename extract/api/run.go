package api

import (
	"context"
	"fmt"
	"time"

	"github.com/lakectl/lakectl/extract/records"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// extractEndpoint runs the three stages at once (stages.go): the fetcher
// starts the endpoint's units in plan order (at most `ahead` of them
// fetched but not yet transformed), each unit fetches its pages and hands
// them to raw's lander (bundles of a window day, rawland.go), and the
// transformer takes the units back in plan order and writes their records
// into the committer's open transaction. Each commit first lands the
// bundles of its windows' days, then carries the advanced state, so no
// record is committed before its raw page, a killed run loses at most the
// open transaction and the one committing, and the next run resumes there.
// Fetchers never wait on the transform except through the `ahead` bound.
func (r *runner) extractEndpoint(ctx context.Context, ep *Endpoint, accs []unitAccount) error {
	t, err := r.openTable(ctx, ep)
	if err != nil {
		return err
	}
	defer t.release(ctx)
	st := t.st
	if err := r.checkLayout(ctx, t.tbl, ep); err != nil {
		return err
	}
	units := planUnits(ep, accs, st, r.opts.From, r.opts.To, r.opts.Now())
	seen, covered, err := r.heldVersions(ctx, ep, st, units)
	if err != nil {
		return err
	}
	ahead := max(256, 8*cap(r.local))
	raw := newLander(r.store, r.spec.Name, ep.Name, r.runID)
	com := r.newCommitter(t.tbl, ep, t.job, table.OpAppend, raw)
	defer com.abort(ctx)
	// A run that stops early still lands what it fetched (a failure's
	// responses, for diagnosis); a no-op after a run to the end.
	defer func() { _ = raw.flush(ctx, "") }()
	fetch := r.startFetcher(ctx, ep, raw, units, ahead)
	defer fetch.abandon() // first: the fetchers stop before the transaction is dropped
	x := &extraction{
		fetch: fetch, com: com, st: &st, covered: covered, batchUnits: ahead, lost: t.lock.Lost(), committed: time.Now(),
		tr:   &transformer{r: r, ep: ep, seen: seen, inf: records.NewInference()},
		wins: &windows{ep: ep, stopped: map[string]bool{}},
	}
	if err := x.run(ctx); err != nil {
		return err
	}
	return fetch.failures()
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
	recs, meta, where := p.recs, p.meta, p.ref.String()
	if !p.kept {
		body, err := readBody(ctx, r.store, p.ref)
		if err != nil {
			return nil, err
		}
		doc, err := decodeBody(body)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if recs, err = recordsOf(doc, mustPath(ep.RecordsPath)); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
	}
	reserved := rowMeta{source: r.spec.Name, account: meta.Account, windowStart: meta.WindowStart, extractedAt: meta.ReceivedAt}.reserved()
	pr := &pageRows{lay: lay, rows: make([]schema.Row, len(recs)), fps: make([]uint64, len(recs))}
	width := len(lay.Cols) + len(reserved)
	slab := make([]schema.Value, width*len(recs)) // one allocation for the page's rows
	vals := make([]any, len(lay.Cols))
	for i, rec := range recs {
		obj, ok := rec.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: record %d is not an object", where, i)
		}
		row, err := lay.row(obj, reserved, vals, slab[i*width:(i+1)*width:(i+1)*width])
		if err != nil {
			return nil, fmt.Errorf("%s: record %d: %w", where, i, err)
		}
		pr.rows[i], pr.fps[i] = row, lay.fingerprint(meta.Account, obj, vals)
	}
	return pr, nil
}
