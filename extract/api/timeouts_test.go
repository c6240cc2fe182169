package api_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/extract/api"
	"github.com/lakectl/lakectl/internal/netx"
	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
)

// A partner API that accepts and never answers costs the io timeout (per
// attempt) and an error naming it, not a hang.
func TestSilentAPIFailsWithinIOTimeout(t *testing.T) {
	addr := testenv.SilentListener(t)
	spec := map[string]any{
		"name": "silent", "base_url": "http://" + addr,
		"retry": map[string]any{"attempts": 1},
		"endpoints": []any{map[string]any{"name": "tx", "path": "/tx", "records_path": "/data",
			"pagination": map[string]any{"type": "none"}}},
	}
	b, _ := json.Marshal(spec)
	p := filepath.Join(t.TempDir(), "silent.json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	store, err := lake.NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = api.Extract(context.Background(), store, api.Options{Sources: []string{p},
		Timeouts: netx.Timeouts{Connect: time.Second, IO: 300 * time.Millisecond}})
	if err == nil || !strings.Contains(err.Error(), addr) {
		t.Fatalf("err = %v, want one naming %s", err, addr)
	}
	if _, ok := netx.AsTimeout(err); !ok {
		t.Errorf("%v does not keep the netx.TimeoutError", err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("took %s", el)
	}
	t.Log(err)
}
