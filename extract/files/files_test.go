package files

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

const firehoseRoute = `^(?P<stream>open|click|delivery)/\d{4}/=push_{stream}`

// Firehose writes gzip'd objects without a suffix, one prefix per
// stream, in YYYY/MM/DD/HH/ folders, records concatenated without
// separators.
func TestFirehoseLayoutRoutesEachStreamToItsTable(t *testing.T) {
	f := newFixture(t)
	want := map[string]int{}
	n := 0
	for _, stream := range []string{"open", "click", "delivery"} {
		for h := 10; h < 13; h++ {
			for part := range 2 {
				recs := events(stream, n, 17+part+h)
				n += len(recs)
				key := fmt.Sprintf("%s/2026/11/30/%02d/feed-%s-1-2026-11-30-%02d-00-0%d-uuid", stream, h, stream, h, part)
				f.put(key, gz(jsonLines(recs, stream != "delivery")))
				want["push_"+stream] += len(recs)
			}
		}
	}
	f.put("README.txt", []byte("not data"))
	f.put("errors/2026/11/30/10/failed-1", []byte(`{"x":1}`))

	res := f.mustExtract(f.opts(firehoseRoute))
	if res.Objects != 18 || res.Records != int64(n) || res.Rows != int64(n) {
		t.Fatalf("objects %d records %d rows %d, want 18, %d, %d", res.Objects, res.Records, res.Rows, n, n)
	}
	if res.Unmatched != 2 || !slices.Equal(res.UnmatchedKeys, []string{"README.txt", "errors/2026/11/30/10/failed-1"}) {
		t.Fatalf("unmatched %d %v", res.Unmatched, res.UnmatchedKeys)
	}
	for tbl, w := range want {
		if got := f.rows(tbl); got != w {
			t.Errorf("%s has %d rows, the files %d", tbl, got, w)
		}
		if got := f.scalar(tbl, "SELECT count(DISTINCT _source_key) FROM lk"); got != "6" {
			t.Errorf("%s rows come from %s objects, want 6", tbl, got)
		}
	}
	if got := f.scalar("push_open", "SELECT count(DISTINCT event_id) FROM lk"); got != fmt.Sprint(want["push_open"]) {
		t.Errorf("distinct event ids %s", got)
	}

	// The next run ingests only what landed since.
	f.put("open/2026/11/30/13/feed-open-1-2026-11-30-13-00-00-uuid", gz(jsonLines(events("open", n, 5), true)))
	res = f.mustExtract(f.opts(firehoseRoute))
	if res.Objects != 1 || res.Rows != 5 {
		t.Fatalf("second run: objects %d rows %d, want 1 and 5", res.Objects, res.Rows)
	}
	if got := f.rows("push_open"); got != want["push_open"]+5 {
		t.Errorf("push_open has %d rows, want %d", got, want["push_open"]+5)
	}
	res = f.mustExtract(f.opts(firehoseRoute))
	if res.Objects != 0 || res.Rows != 0 || res.Unmatched != 2 {
		t.Fatalf("third run: %+v", res)
	}
}

// Services land JSON arrays and CSV under service/kind/date folders.
func TestServiceLayoutRoutesByNamedGroups(t *testing.T) {
	f := newFixture(t)
	f.put("billing-api/events/invoice/2026-11-30/a.json.gz", gz([]byte(`[{"id":1,"total":10.5},{"id":2,"total":3}]`)))
	f.put("billing-api/events/invoice/2026-12-01/b.json", []byte(`[{"id":3,"total":"n/a","note":"x"}]`))
	f.put("billing-api/events/refund/2026-11-30/a.csv", []byte("id,amount,ok\n1,2.5,true\n2,,false\n"))
	f.put("auth/events/login/2026-11-30/x.jsonl", []byte("{\"user\":\"a\"}\n{\"user\":\"b\"}\n\n"))
	o := f.opts(`^(?P<svc>[a-z-]+)/events/(?P<kind>[a-z]+)/=svc_{svc}_{kind}`)
	res := f.mustExtract(o)
	if res.Objects != 4 || res.Rows != 7 {
		t.Fatalf("objects %d rows %d, want 4 and 7", res.Objects, res.Rows)
	}
	for tbl, want := range map[string]int{"svc_billing_api_invoice": 3, "svc_billing_api_refund": 2, "svc_auth_login": 2} {
		if got := f.rows(tbl); got != want {
			t.Errorf("%s has %d rows, want %d", tbl, got, want)
		}
	}
	// A number column that later sees text is widened to text: no value lost.
	if got := f.scalar("svc_billing_api_invoice", "SELECT string_agg(CAST(total AS VARCHAR), ',' ORDER BY id) FROM lk"); got != "10.500000000000000000,3.000000000000000000,n/a" {
		t.Errorf("totals %q", got)
	}
	if got := f.scalar("svc_billing_api_refund", "SELECT CAST(sum(amount) AS VARCHAR) FROM lk"); got != "2.500000000000000000" {
		t.Errorf("CSV amounts sum to %q", got)
	}
}

func TestBadLineIsReportedAndTheObjectLeftUningested(t *testing.T) {
	f := newFixture(t)
	f.put("open/2026/11/30/10/a", []byte("{\"id\":1}\n{\"id\":2}\n"))
	f.put("open/2026/11/30/10/b", []byte("{\"id\":3}\n{\"id\":4}\n{\"id\": oops}\n{\"id\":5}\n"))
	f.put("open/2026/11/30/10/c", []byte("{\"id\":6}\n"))
	o := f.opts(firehoseRoute)
	res, err := f.extract(o)
	if !errors.Is(err, ErrBadObjects) {
		t.Fatalf("err = %v, want ErrBadObjects", err)
	}
	if len(res.Failed) != 1 || res.Failed[0].Key != "open/2026/11/30/10/b" || res.Failed[0].Line != 3 {
		t.Fatalf("failed = %+v", res.Failed)
	}
	if got := f.rows("push_open"); got != 3 {
		t.Fatalf("push_open has %d rows, want the 3 of the good objects", got)
	}
	// Still un-ingested: the next run fails on it again.
	if _, err := f.extract(o); !errors.Is(err, ErrBadObjects) {
		t.Fatalf("second run: %v", err)
	}
	o.SkipBadRecords = true
	res = f.mustExtract(o)
	if res.Objects != 1 || res.SkippedRecords != 1 || res.Rows != 3 {
		t.Fatalf("skip run: objects %d skipped %d rows %d", res.Objects, res.SkippedRecords, res.Rows)
	}
	if got := f.rows("push_open"); got != 6 {
		t.Fatalf("push_open has %d rows, want 6", got)
	}
}

func TestChangedObjectIsReportedAndReingestedOnlyWhenAsked(t *testing.T) {
	f := newFixture(t)
	f.put("svc/a.json", []byte(`[{"id":1}]`))
	o := f.opts(`^svc/=svc`)
	f.mustExtract(o)
	f.put("svc/a.json", []byte(`[{"id":1},{"id":2}]`))
	res := f.mustExtract(o)
	if res.Objects != 0 || !slices.Equal(res.Changed, []string{"svc/a.json"}) {
		t.Fatalf("objects %d changed %v", res.Objects, res.Changed)
	}
	o.ReingestChanged = true
	res = f.mustExtract(o)
	if res.Objects != 1 || res.Reingested != 1 || f.rows("svc") != 3 {
		t.Fatalf("reingest: objects %d reingested %d rows %d", res.Objects, res.Reingested, f.rows("svc"))
	}
	o.ReingestChanged = false
	if res = f.mustExtract(o); res.Objects != 0 || len(res.Changed) != 0 {
		t.Fatalf("after reingest: %+v", res)
	}
}

func TestEmptyOrMissingSourceChangesNothing(t *testing.T) {
	f := newFixture(t)
	_, err := f.extract(f.opts(`^x/=x`))
	if !errors.Is(err, ErrNoObjects) {
		t.Fatalf("missing prefix: %v", err)
	}
	f.put("x/empty.json", nil)
	f.put("x/blank.jsonl.gz", gz([]byte("\n")))
	res := f.mustExtract(f.opts(`^x/=x`))
	if res.Objects != 0 || len(res.Empty) != 2 {
		t.Fatalf("empty objects: %+v", res)
	}
	if got := f.lakeFiles("tables/"); len(got) != 0 {
		t.Fatalf("files under tables/: %v", got)
	}
	if _, err := OpenSource(context.Background(), t.TempDir()+"/nope", f.lakeOpts()); !errors.Is(err, ErrNoSource) {
		t.Fatalf("missing folder: %v", err)
	}
}

func TestDeniedAccessIsOneLineAndWritesNothing(t *testing.T) {
	f := newFixture(t)
	f.put("x/a.json", []byte(`[{"id":1}]`))
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret")
	src, err := OpenSource(context.Background(), f.url, f.lakeOpts())
	if err != nil {
		t.Fatal(err)
	}
	_, err = Extract(context.Background(), f.lk, src, f.opts(`^x/=x`))
	if err == nil || !containsAny(err.Error(), "access denied", "SignatureDoesNotMatch") {
		t.Fatalf("err = %v", err)
	}
	if got := f.lakeFiles("tables/"); len(got) != 0 {
		t.Fatalf("files under tables/: %v", got)
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
