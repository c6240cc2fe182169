package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// writeSpec writes a spec document to a temporary file.
func writeSpec(t *testing.T, spec map[string]any) string {
	t.Helper()
	b, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), spec["name"].(string)+".json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRawMetadataHeadersAreRedactedAndAuthHeadersDropped(t *testing.T) {
	const key = "pk-LEAKY-4242"
	t.Setenv("LEAKY_KEY", key)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("partner_key") != key {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		h := w.Header()
		h.Set("Link", "<"+"http://"+r.Host+r.URL.Path+"?"+r.URL.RawQuery+"&page=2>; rel=\"self\", <http://x/y?api_key="+key+">; rel=\"alt\"")
		h.Set("Set-Cookie", "session=s3ss10n; HttpOnly")
		h.Set("X-Api-Key", key)
		h.Set("Authorization", "Bearer "+key)
		h.Set("X-Request-Id", "req-1")
		h.Set("X-Debug", "echo partner_key="+key)
		_, _ = w.Write([]byte(`{"data": [{"id": "1", "v": 1}]}`))
	}))
	t.Cleanup(srv.Close)
	spec := writeSpec(t, map[string]any{
		"name": "leaky", "base_url": srv.URL,
		"auth":        map[string]any{"type": "query", "param": "partner_key", "token_env": "LEAKY_KEY"},
		"accounts":    []map[string]any{{"id": "a1"}},
		"raw_headers": []string{"Link", "Set-Cookie", "X-Api-Key", "Authorization", "X-Request-Id", "X-Debug", "Cookie"},
		"endpoints": []any{map[string]any{"name": "tx", "path": "/tx", "pagination": map[string]any{"type": "none"},
			"records_path": "/data", "key": []string{"id"}}},
	})
	store, dir := newLake(t)
	if _, err := run(t, store, runStart, Options{Sources: []string{spec}}); err != nil {
		t.Fatal(err)
	}
	objs := rawObjects(t, dir, "leaky")
	if len(objs) != 1 {
		t.Fatalf("%d raw objects, want 1", len(objs))
	}
	m := rawMetaOf(t, objs[0])
	for _, h := range []string{"Set-Cookie", "X-Api-Key", "Authorization", "Cookie"} {
		if _, ok := m.Headers[h]; ok {
			t.Errorf("raw metadata keeps the authentication header %s", h)
		}
	}
	if m.Headers["X-Request-Id"] != "req-1" || m.Headers["Link"] == "" || m.Headers["X-Debug"] == "" {
		t.Errorf("raw metadata headers %v: want X-Request-Id, Link and X-Debug kept", m.Headers)
	}
	raw, err := os.ReadFile(objs[0])
	if err != nil {
		t.Fatal(err)
	}
	meta, _ := json.Marshal(m)
	if bytes.Contains(meta, []byte(key)) || bytes.Contains(raw[:min(len(raw), 4096)], []byte(key)) {
		t.Fatalf("the key is in the raw metadata: %s", meta)
	}
}

func TestRefetchedWindowsNeverStoreVersionsAlreadyHeld(t *testing.T) {
	setTokens(t)
	p := newPartner(t, testToken)
	p.perHour = 12
	store, dir := newLake(t)
	spec := func(lookback string) string {
		return specFor(t, p, "refetch", "cursor", map[string]any{
			"endpoint.window": map[string]any{"granularity": "hour", "max_span": "6h", "start": "2026-01-01T00:00:00Z", "lookback": lookback},
		})
	}
	day := 24 * time.Hour
	check := func(step string, now time.Time) {
		t.Helper()
		wantRows, wantSum := p.expected(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), now, "a1", "a2")
		got := tableAggregates(t, dir, "refetch_tx")
		if got.Rows != wantRows || got.DistinctVersions != wantRows || got.SumAmount != wantSum {
			t.Fatalf("%s: table %+v, want %d versions once each (sum %s)", step, got, wantRows, wantSum)
		}
	}
	now := runStart.Add(3 * day) // 2026-01-04 06:00: three days of windows
	for _, step := range []struct {
		name     string
		lookback string
		from, to time.Time
	}{
		{"first run", "2h", time.Time{}, time.Time{}},
		{"lookback raised to 3 days", "72h", time.Time{}, time.Time{}},
		{"rerun", "72h", time.Time{}, time.Time{}},
		{"lookback lowered", "1h", time.Time{}, time.Time{}},
		{"--from/--to over stored windows", "1h", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)},
		{"lookback raised again", "100h", time.Time{}, time.Time{}},
	} {
		if step.to.IsZero() {
			now = now.Add(time.Hour) // a backfill fetches no new window
		}
		if _, err := run(t, store, now, Options{Sources: []string{spec(step.lookback)}, From: step.from, To: step.to}); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		check(step.name, now)
	}
}

func TestExtractAfterAReplayFromRawAloneStoresNoVersionTwice(t *testing.T) {
	setTokens(t)
	p := newPartner(t, testToken)
	p.perHour = 12
	first, firstDir := newLake(t)
	spec := specFor(t, p, "rebuilt", "cursor", nil)
	if _, err := run(t, first, runStart, Options{Sources: []string{spec}}); err != nil {
		t.Fatal(err)
	}
	// A lake rebuilt from raw/ alone: the table and the state are gone.
	store, dir := newLake(t)
	if err := os.CopyFS(filepath.Join(dir, "raw"), os.DirFS(filepath.Join(firstDir, "raw"))); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, store, runStart, Options{Sources: []string{spec}, Replay: true}); err != nil {
		t.Fatal(err)
	}
	later := runStart.Add(2 * time.Hour)
	if _, err := run(t, store, later, Options{Sources: []string{spec}}); err != nil {
		t.Fatal(err)
	}
	wantRows, wantSum := p.expected(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), later, "a1", "a2")
	if got := tableAggregates(t, dir, "rebuilt_tx"); got.Rows != wantRows || got.DistinctVersions != wantRows || got.SumAmount != wantSum {
		t.Fatalf("table %+v after replay and extract, want %d versions once each (sum %s)", got, wantRows, wantSum)
	}
}
