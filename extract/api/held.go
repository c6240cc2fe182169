package api

import (
	"context"
	"fmt"
	"time"

	"github.com/lakectl/lakectl/extract/records"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// Coverage of a state's fingerprints: Seen holds every stored version of
// the window days at or after its SeenFrom. A run that re-fetches days
// before it (a raised lookback, a From/To range over stored windows) first
// reads the versions those days hold back from raw/, so that none is
// stored twice (docs/api-sources.md, Record versions).
const (
	coverAll  = "0000-00-00" // a job that never stored anything
	coverNone = "9999-12-31" // a legacy state that kept no fingerprint
)

// coveredFrom is the first window day the state's fingerprints cover.
func coveredFrom(st jobState) string {
	switch {
	case st.SeenFrom != "":
		return st.SeenFrom
	case len(st.Watermarks) == 0:
		return coverAll
	}
	// A state written before seen_from existed: its oldest day is the
	// safe bound (older days were dropped, or held nothing).
	low := coverNone
	for d := range st.Seen {
		if d != "" && d < low {
			low = d
		}
	}
	return low
}

// heldVersions returns the versions the planned units must not store
// again and the first window day they cover: the state's fingerprints,
// plus those read back from raw/ for older days the units re-fetch.
func (r *runner) heldVersions(ctx context.Context, ep *Endpoint, st jobState, units []unit) (*seenSet, string, error) {
	seen := decodeSeen(st.Seen)
	covered := coveredFrom(st)
	if first := firstDay(ep, units); first != "" && first < covered {
		if err := r.loadHeld(ctx, ep, st, seen, first, covered); err != nil {
			return nil, "", fmt.Errorf("read the versions held from raw/: %w", err)
		}
		covered = first
	}
	return seen, covered, nil
}

// checkLayout refuses a run whose partition rule differs from the
// folders of the table's files (a *table.PartitionRuleError, noted for
// the caller's exit code).
func (r *runner) checkLayout(ctx context.Context, tbl *table.Table, ep *Endpoint) error {
	rule, err := table.ParsePartitionRule(ep.PartitionBy)
	if err != nil {
		return err
	}
	if err := tbl.CheckAppend(ctx, schema.Schema{}, rule); err != nil {
		r.noteRefused(err)
		return err
	}
	return nil
}

// firstDay is the earliest window day of the units ("" without windows).
func firstDay(ep *Endpoint, units []unit) string {
	if ep.Window == nil {
		return ""
	}
	first := ""
	for _, u := range units {
		if d := u.start.UTC().Format(time.DateOnly); first == "" || d < first {
			first = d
		}
	}
	return first
}

// loadHeld adds to seen the versions of every complete fetch in raw/ whose
// window starts on a day in [from, to). They are the table's: each
// complete fetch of a day behind the watermark was committed, its
// versions stored or already held. Pages are read twice: once to infer
// the types the fingerprints' layout needs, once to fingerprint.
func (r *runner) loadHeld(ctx context.Context, ep *Endpoint, st jobState, seen *seenSet, from, to string) error {
	lo, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return fmt.Errorf("held versions from %q: %w", from, err)
	}
	var hi time.Time
	if to != coverNone {
		if hi, err = time.Parse(time.DateOnly, to); err != nil {
			return fmt.Errorf("held versions to %q: %w", to, err)
		}
	}
	inf := records.NewInference()
	var pages []storedPage
	_, err = listFetches(ctx, r.store, r.spec.Name, ep.Name, lo, hi, func(f rawFetch) error {
		for _, p := range f.pages {
			if err := observeStored(ctx, r.store, ep, inf, p.ref); err != nil {
				return err
			}
			pages = append(pages, p)
		}
		return nil
	})
	if err != nil || len(pages) == 0 {
		return err
	}
	lay, err := newLayout(ep, st.Columns, inf)
	if err != nil {
		return err
	}
	for i := range pages {
		pr, err := r.convertPage(ctx, ep, lay, &pages[i])
		if err != nil {
			return err
		}
		day := pages[i].meta.WindowStart.UTC().Format(time.DateOnly)
		for _, fp := range pr.fps {
			seen.add(day, fp)
		}
	}
	r.log.Info("re-fetching windows older than the job's fingerprints: read the versions they hold from raw/",
		"endpoint", ep.Name, "from", from, "to", to, "pages", len(pages))
	return nil
}

// replayedSeen sets the fingerprints of a replayed table: the versions the
// replay wrote are the table's (with those of the windows a ranged replay
// carried over), so later runs recognize them whatever fetched them.
func replayedSeen(ep *Endpoint, st *jobState, wrote *seenSet, ranged bool) {
	keep := keepSeenFrom(ep, st.Watermarks)
	if !ranged {
		st.Seen = wrote.encode(keep)
		st.SeenFrom = keep
		return
	}
	merged := decodeSeen(st.Seen)
	for day, fps := range wrote.days {
		for _, fp := range fps {
			merged.add(day, fp)
		}
	}
	st.Seen = merged.encode(keep)
	if keep != "" && keep > st.SeenFrom {
		st.SeenFrom = keep
	}
}
