package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lakectl/lakectl/lake"
)

// rawObjects lists the raw objects of a source, and fails on any sidecar.
func rawObjects(t *testing.T, dir, source string) []string {
	t.Helper()
	var out []string
	filepath.Walk(filepath.Join(dir, "raw", source), func(p string, info os.FileInfo, err error) error {
		switch {
		case err != nil || info.IsDir():
		case strings.HasSuffix(p, bodySuffix):
			out = append(out, p)
		default:
			t.Errorf("raw/ holds %s: want .json.gz objects only", p)
		}
		return nil
	})
	return out
}

func gunzip(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}

func TestRawObjectIsTheBodyAsReceivedWithItsMetadata(t *testing.T) {
	setTokens(t)
	p := newPartner(t, testToken)
	store, dir := newLake(t)
	spec := specFor(t, p, "exact", "cursor", nil)
	if _, err := run(t, store, runStart, Options{Sources: []string{spec}}); err != nil {
		t.Fatal(err)
	}
	objs := rawObjects(t, dir, "exact")
	if len(objs) == 0 {
		t.Fatal("no raw objects")
	}
	lasts := 0
	for _, path := range objs {
		var all []byte
		for _, mb := range rawMembers(t, path) {
			if mb.meta.Last {
				lasts++
			}
			checkAsReceived(t, path, mb)
			all = append(all, mb.body...)
		}
		if got := gunzip(t, path); !bytes.Equal(got, all) { // what zcat prints
			t.Errorf("%s gunzips to %d bytes, not its %d bytes of responses one after the other", path, len(got), len(all))
		}
	}
	if want := 2 * 3; lasts != want { // accounts x windows, each ends once
		t.Errorf("%d pages marked last, want %d", lasts, want)
	}
}

// checkAsReceived asks the partner again for a raw response (it answers
// the same URL with the same bytes) and compares.
func checkAsReceived(t *testing.T, path string, mb rawMember) {
	t.Helper()
	m := mb.meta
	req, _ := http.NewRequest(http.MethodGet, m.URL, nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(mb.body, want) {
		t.Errorf("%s page %d gunzips to %d bytes that differ from the %d bytes served", path, m.Page, len(mb.body), len(want))
	}
	var doc struct{ Data []json.RawMessage }
	json.Unmarshal(want, &doc)
	if m.Status != 200 || m.Records != len(doc.Data) || m.Bytes != int64(len(want)) || m.Source != "exact" ||
		m.Account == "" || m.ReceivedAt.Before(m.RequestedAt) || !strings.Contains(path, m.Run) ||
		!strings.Contains(path, "/dt="+rawDay(m.WindowStart)+"/") {
		t.Errorf("%s metadata %+v does not describe its response (%d records, %d bytes)", path, m, len(doc.Data), len(want))
	}
}

func TestMetadataTooLargeForTheGzipHeaderIsCut(t *testing.T) {
	m := rawMeta{Source: "s", URL: "http://h/" + strings.Repeat("u", 70000), Error: strings.Repeat("e", 70000),
		Headers: map[string]string{"X-Big": strings.Repeat("h", 70000)}, Page: 3, Last: true}
	extra, err := metaExtra(m)
	if err != nil {
		t.Fatal(err)
	}
	if len(extra) > 0xffff {
		t.Fatalf("extra field is %d bytes", len(extra))
	}
	got, ok, err := metaOfExtra(extra)
	if err != nil || !ok {
		t.Fatalf("read back: ok %v, %v", ok, err)
	}
	if got.Page != 3 || !got.Last || got.Headers != nil || !strings.HasSuffix(got.Error, "(cut)") {
		t.Errorf("read back %+v", got)
	}
}

// toEarlierLayouts rewrites a raw bundle as a folder of earlier
// versions, mixed with the current layout: by member, a page object with
// its metadata in the gzip header, a plain body with a .meta.json
// sidecar, or a member left in the (rewritten) bundle. It returns the
// sidecars written.
func toEarlierLayouts(t *testing.T, path string) (sidecars []string) {
	t.Helper()
	var keep bytes.Buffer
	for i, mb := range rawMembers(t, path) {
		m := mb.meta
		base := filepath.Join(filepath.Dir(path), filepath.Base(rawBase(m.Source, m.Endpoint, m.Account, m.WindowStart, m.Run, m.Page)))
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		switch i % 3 {
		case 0:
			extra, err := metaExtra(m)
			if err != nil {
				t.Fatal(err)
			}
			zw.Header.Extra = extra
		case 2:
			zw = gzip.NewWriter(&keep)
			zw.Header.Extra, _ = metaExtra(m)
		}
		zw.Write(mb.body)
		zw.Close()
		if i%3 == 2 {
			continue
		}
		if err := os.WriteFile(base+bodySuffix, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if i%3 == 1 {
			meta, _ := json.Marshal(m)
			if err := os.WriteFile(base+metaSuffix, meta, 0o644); err != nil {
				t.Fatal(err)
			}
			sidecars = append(sidecars, base+metaSuffix)
		}
	}
	var err error
	if keep.Len() == 0 {
		err = os.Remove(path)
	} else {
		err = os.WriteFile(path, keep.Bytes(), 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
	return sidecars
}

// rawFiles lists every file under raw/<source>.
func rawFiles(t *testing.T, dir, source string) []string {
	t.Helper()
	var out []string
	filepath.Walk(filepath.Join(dir, "raw", source), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func TestReplayReadsBundlesAndThePagesOfEarlierLayoutsMixed(t *testing.T) {
	setTokens(t)
	p := newPartner(t, testToken)
	store, dir := newLake(t)
	spec := specFor(t, p, "old", "page", nil)
	if _, err := run(t, store, runStart, Options{Sources: []string{spec}}); err != nil {
		t.Fatal(err)
	}
	before := tableAggregates(t, dir, "old_tx")
	objs := rawObjects(t, dir, "old")
	members := 0
	for _, path := range objs {
		members += len(rawMembers(t, path))
	}
	if len(objs) >= members {
		t.Fatalf("%d raw objects for %d responses: want them bundled", len(objs), members)
	}
	var sidecars []string
	for _, path := range objs {
		sidecars = append(sidecars, toEarlierLayouts(t, path)...)
	}
	if n := len(rawFiles(t, dir, "old")); n <= members || len(sidecars) == 0 {
		t.Fatalf("%d raw files and %d sidecars for %d responses: want every layout in the lake", n, len(sidecars), members)
	}
	p.srv.Close()
	if _, err := run(t, store, runStart.Add(time.Minute), Options{Sources: []string{spec}, Replay: true}); err != nil {
		t.Fatalf("replay: %v", err)
	}
	if after := tableAggregates(t, dir, "old_tx"); after != before {
		t.Errorf("replay of mixed layouts gives %+v, extraction gave %+v", after, before)
	}
	// A legacy body whose sidecar was never written is an incomplete fetch.
	if err := os.Remove(sidecars[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, store, runStart.Add(time.Minute), Options{Sources: []string{spec}, Replay: true}); err != nil {
		t.Fatalf("replay: %v", err)
	}
	if after := tableAggregates(t, dir, "old_tx"); after.Rows >= before.Rows {
		t.Errorf("replay kept %d rows with a page's sidecar missing, want fewer than %d", after.Rows, before.Rows)
	}
}

// rawCounter counts the reads of raw/ objects.
type rawCounter struct {
	lake.Store
	gets, ranged atomic.Int64
}

func (r *rawCounter) Unwrap() lake.Store { return r.Store }

func (r *rawCounter) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if strings.HasPrefix(key, "raw/") {
		r.gets.Add(1)
	}
	return r.Store.Get(ctx, key)
}

func (r *rawCounter) GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	if strings.HasPrefix(key, "raw/") {
		r.ranged.Add(1)
	}
	return r.Store.GetRange(ctx, key, off, n)
}

// A replay reads each raw object whole once per pass (it types the
// records, then writes them) and each page back from those bytes: no
// ranged GET per page.
func TestReplayReadsEachRawObjectOncePerPass(t *testing.T) {
	setTokens(t)
	p := newPartner(t, testToken)
	store, _ := newLake(t)
	spec := specFor(t, p, "rep", "page", nil)
	if _, err := run(t, store, runStart, Options{Sources: []string{spec}}); err != nil {
		t.Fatal(err)
	}
	var objects int64
	if err := store.List(context.Background(), "raw/", func(lake.ObjectInfo) error { objects++; return nil }); err != nil {
		t.Fatal(err)
	}
	counted := &rawCounter{Store: store}
	res, err := run(t, counted, runStart, Options{Sources: []string{spec}, Replay: true})
	if err != nil || res.Records == 0 {
		t.Fatalf("replay: %+v, %v", res, err)
	}
	if g, r := counted.gets.Load(), counted.ranged.Load(); r != 0 || g != 2*objects {
		t.Errorf("replay of %d raw objects: %d GETs and %d ranged GETs, want %d and none", objects, g, r, 2*objects)
	}
}
