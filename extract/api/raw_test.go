package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
			t.Errorf("raw/ holds %s: want one .json.gz object per page", p)
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
		m := rawMetaOf(t, path)
		// The partner answers the same URL with the same bytes: ask again.
		req, _ := http.NewRequest(http.MethodGet, m.URL, nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := gunzip(t, path); !bytes.Equal(got, want) {
			t.Errorf("%s gunzips to %d bytes that differ from the %d bytes served", path, len(got), len(want))
		}
		var doc struct{ Data []json.RawMessage }
		json.Unmarshal(want, &doc)
		if m.Status != 200 || m.Records != len(doc.Data) || m.Bytes != int64(len(want)) || m.Source != "exact" ||
			m.Account == "" || m.ReceivedAt.Before(m.RequestedAt) || !strings.Contains(path, m.Run) {
			t.Errorf("%s metadata %+v does not describe its response (%d records, %d bytes)", path, m, len(doc.Data), len(want))
		}
		if m.Last {
			lasts++
		}
	}
	if want := 2 * 3; lasts != want { // accounts x windows, each ends once
		t.Errorf("%d pages marked last, want %d", lasts, want)
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

// toLegacy rewrites a raw object as the earlier layout: a plain gzipped
// body and a .meta.json sidecar.
func toLegacy(t *testing.T, path string) {
	t.Helper()
	m := rawMetaOf(t, path)
	body := gunzip(t, path)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(body)
	zw.Close()
	meta, _ := json.Marshal(m)
	base := strings.TrimSuffix(path, bodySuffix)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(base+metaSuffix, meta, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReplayReadsPagesOfTheEarlierSidecarLayout(t *testing.T) {
	setTokens(t)
	p := newPartner(t, testToken)
	store, dir := newLake(t)
	spec := specFor(t, p, "old", "page", nil)
	if _, err := run(t, store, runStart, Options{Sources: []string{spec}}); err != nil {
		t.Fatal(err)
	}
	before := tableAggregates(t, dir, "old_tx")
	objs := rawObjects(t, dir, "old")
	for i, path := range objs {
		if i%2 == 0 { // a lake holding both layouts
			toLegacy(t, path)
		}
	}
	p.srv.Close()
	if _, err := run(t, store, runStart.Add(time.Minute), Options{Sources: []string{spec}, Replay: true}); err != nil {
		t.Fatalf("replay: %v", err)
	}
	if after := tableAggregates(t, dir, "old_tx"); after != before {
		t.Errorf("replay of mixed layouts gives %+v, extraction gave %+v", after, before)
	}
	// A legacy body whose sidecar was never written is an incomplete fetch.
	if err := os.Remove(strings.TrimSuffix(objs[0], bodySuffix) + metaSuffix); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, store, runStart.Add(time.Minute), Options{Sources: []string{spec}, Replay: true}); err != nil {
		t.Fatalf("replay: %v", err)
	}
	if after := tableAggregates(t, dir, "old_tx"); after.Rows >= before.Rows {
		t.Errorf("replay kept %d rows with a page's sidecar missing, want fewer than %d", after.Rows, before.Rows)
	}
}
