package api

import (
	"sort"
	"time"
)

// planUnits lists the account x window units of an endpoint for this run,
// ordered by window start then account. Without a From/To range a window
// range starts at the account's watermark minus the lookback (or the
// spec's start) and ends at now minus the delay, cut to whole granules.
func planUnits(ep *Endpoint, accs []unitAccount, st jobState, from, to, now time.Time) []unit {
	var out []unit
	w := ep.Window
	if w == nil {
		t := now.UTC().Truncate(time.Second)
		for _, a := range accs {
			out = append(out, unit{account: a.acc, cred: a.cred, start: t, end: t})
		}
		return out
	}
	g := w.granule()
	specStart, _ := parseTime(w.Start)
	end := now.Add(-w.Delay.D()).UTC().Truncate(g)
	if !to.IsZero() {
		end = to.UTC()
	}
	for _, a := range accs {
		start := specStart
		if !from.IsZero() {
			start = from.UTC()
		} else if wm, ok := st.Watermarks[a.acc.ID]; ok {
			start = wm.Add(-w.Lookback.D())
			if start.Before(specStart) {
				start = specStart
			}
		}
		start = start.Truncate(g)
		for s := start; s.Before(end); {
			e := s.Add(w.span())
			if e.After(end) {
				e = end
			}
			out = append(out, unit{account: a.acc, cred: a.cred, start: s, end: e})
			s = e
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].start.Before(out[j].start) })
	return out
}
