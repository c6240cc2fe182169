package cmd

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A partner with 25 transactions over one day, 10 per page, bearer auth.
func newPagedPartner(t *testing.T, token string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if page == 0 {
			page = 1
		}
		var recs []map[string]any
		for i := (page - 1) * 10; i < page*10 && i < 25; i++ {
			recs = append(recs, map[string]any{"id": i + 1, "amount": fmt.Sprintf("%d.50", i), "at": "2026-11-20T10:00:00Z"})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"data": recs})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestExtractAPICommand(t *testing.T) {
	const token = "tok-cmd-test-8f2a"
	srv := newPagedPartner(t, token)
	t.Setenv("PARTNER_TOKEN", token)
	dir := t.TempDir()
	spec := fmt.Sprintf(`{
  "name": "partner",
  "base_url": %q,
  "auth": {"type": "bearer", "token_env": "PARTNER_TOKEN"},
  "accounts": [{"id": "1"}],
  "endpoints": [{
    "name": "tx",
    "path": "/tx",
    "query": {"from": "{{.Start}}", "to": "{{.End}}"},
    "window": {"granularity": "day", "start": "2026-11-20"},
    "pagination": {"type": "page", "page_param": "page", "size": 10, "stop": "short"},
    "records_path": "data",
    "fields": [{"name": "id", "type": "int64"}, {"name": "amount", "type": "decimal(18,2)"}, {"name": "at", "type": "timestamp"}],
    "key": ["id"],
    "table": "partner_tx"
  }]
}`, srv.URL)
	specFile := filepath.Join(dir, "partner.json")
	if err := os.WriteFile(specFile, []byte(spec), 0o600); err != nil {
		t.Fatal(err)
	}
	lakeDir := filepath.Join(dir, "lake")
	args := []string{"--lake", lakeDir, "-o", "json", "extract", "api", "--source", specFile, "--from", "2026-11-20", "--to", "2026-11-21"}
	code, out, errOut := run(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res struct {
		Requests int64 `json:"requests"`
		Records  int64 `json:"records"`
		Rows     int64 `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Records != 25 || res.Rows != 25 || res.Requests != 3 {
		t.Fatalf("result %s (%v)", out, err)
	}
	if strings.Contains(out+errOut, token) {
		t.Fatal("token printed")
	}
	code, out, _ = run(t, "--lake", lakeDir, "-o", "json", "lake", "ls")
	if code != 0 || !strings.Contains(out, `"rows": 25`) {
		t.Fatalf("lake ls: %s", out)
	}

	// A malformed spec is a usage error naming the file and the field.
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(strings.Replace(spec, `"records_path"`, `"records_pth"`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = run(t, "--lake", lakeDir, "extract", "api", "--source", bad)
	if code != 2 || !strings.Contains(errOut, "bad.json") || !strings.Contains(errOut, "records_pth") {
		t.Fatalf("malformed spec: exit %d %q", code, errOut)
	}
	if code, _, _ := run(t, "--lake", lakeDir, "extract", "api"); code != 2 {
		t.Fatalf("no sources: exit %d, want 2", code)
	}
}

func TestExtractAPIPartitionRuleChangeExits2AndReplayRewrites(t *testing.T) {
	const token = "tok-cmd-test-91c3"
	srv := newPagedPartner(t, token)
	t.Setenv("PARTNER_TOKEN", token)
	dir := t.TempDir()
	spec := func(partition string) string {
		p := filepath.Join(dir, "partner.json")
		body := fmt.Sprintf(`{"name": "partner", "base_url": %q, "auth": {"type": "bearer", "token_env": "PARTNER_TOKEN"},
  "accounts": [{"id": "1"}],
  "endpoints": [{"name": "tx", "path": "/tx", "window": {"granularity": "day", "start": "2026-11-20"},
    "pagination": {"type": "page", "page_param": "page", "size": 10, "stop": "short"}, "records_path": "data",
    "fields": [{"name": "id", "type": "int64"}, {"name": "at", "type": "timestamp"}], "key": ["id"],
    "table": "partner_tx"%s}]}`, srv.URL, partition)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	lakeDir := filepath.Join(dir, "lake")
	window := []string{"--from", "2026-11-20", "--to", "2026-11-21"}
	if code, _, errOut := run(t, append([]string{"--lake", lakeDir, "extract", "api", "--source", spec("")}, window...)...); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, errOut)
	}
	p := spec(`, "partition_by": "at:day"`)
	code, _, errOut := run(t, append([]string{"--lake", lakeDir, "extract", "api", "--source", p}, window...)...)
	if code != 2 || !strings.Contains(errOut, "--replay") {
		t.Fatalf("partition_by changed: exit %d: %s; want 2 naming --replay", code, errOut)
	}
	if code, _, errOut := run(t, "--lake", lakeDir, "extract", "api", "--source", p, "--replay"); code != 0 {
		t.Fatalf("replay: exit %d: %s", code, errOut)
	}
	if code, _, errOut := run(t, append([]string{"--lake", lakeDir, "extract", "api", "--source", p}, window...)...); code != 0 {
		t.Fatalf("after the replay: exit %d: %s", code, errOut)
	}
	files, _ := filepath.Glob(filepath.Join(lakeDir, "tables", "partner_tx", "*.parquet"))
	parted, _ := filepath.Glob(filepath.Join(lakeDir, "tables", "partner_tx", "at_day=*", "*.parquet"))
	if len(files) != 0 || len(parted) == 0 {
		t.Fatalf("layout after the replay: %d unpartitioned, %d partitioned files; want only partitioned", len(files), len(parted))
	}
}
