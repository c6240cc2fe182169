package files

import (
	"context"
	"fmt"
	"testing"
)

// In Firehose's hour folders a run lists from each stream's horizon (an
// hour before its newest ingested hour): older folders are sought past,
// and their objects dropped from the ingest record, which stays small.
func TestFirehoseListingStartsAtEachStreamsHorizon(t *testing.T) {
	f := newFixture(t)
	for h := 10; h <= 14; h++ {
		f.put(fmt.Sprintf("open/2026/11/30/%02d/a", h), jsonLines(events("open", h, 2), true))
	}
	f.put("click/2026/11/30/10/a", jsonLines(events("click", 0, 3), false))
	o := f.opts(firehoseRoute)
	if res := f.mustExtract(o); res.Objects != 6 {
		t.Fatalf("first run ingested %d objects, want 6", res.Objects)
	}
	st, err := loadState(context.Background(), f.lk, stateJob("landed"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Horizons["open/"] != "2026/11/30/13" || st.Horizons["click/"] != "2026/11/30/09" || len(st.Objects) != 3 {
		t.Fatalf("horizons %v, objects %v", st.Horizons, st.Objects)
	}
	res := f.mustExtract(o)
	if res.Objects != 0 || res.Listed != 3 {
		t.Fatalf("second run: objects %d listed %d, want 0 and 3 (open 13, 14 and click 10)", res.Objects, res.Listed)
	}
	f.put("open/2026/11/30/13/late", jsonLines(events("open", 100, 4), true))
	if res = f.mustExtract(o); res.Objects != 1 || res.Rows != 4 {
		t.Fatalf("late object: objects %d rows %d", res.Objects, res.Rows)
	}
	if got := f.rows("push_open"); got != 14 {
		t.Fatalf("push_open has %d rows, want 14", got)
	}
}

// A stream that has been idle for longer than its horizon lists nothing
// new, which is not an error; nor is a prefix whose objects expired.
func TestIdleStreamIsNothingNew(t *testing.T) {
	f := newFixture(t)
	f.put("open/2026/11/30/10/a", jsonLines(events("open", 0, 2), true))
	f.put("open/2026/11/30/14/b", jsonLines(events("open", 2, 2), true))
	o := f.opts(firehoseRoute)
	f.mustExtract(o)
	if err := f.src.Delete(context.Background(), "open/2026/11/30/14/b"); err != nil {
		t.Fatal(err)
	}
	if res := f.mustExtract(o); res.Objects != 0 {
		t.Fatalf("idle: %+v", res)
	}
	if err := f.src.Delete(context.Background(), "open/2026/11/30/10/a"); err != nil {
		t.Fatal(err)
	}
	if res := f.mustExtract(o); res.Listed != 0 {
		t.Fatalf("expired: %+v", res)
	}
}
