package lake_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/lakectl/lakectl/lake"
)

func TestAbilitiesAreFoundThroughTheRetryWrapper(t *testing.T) {
	root := t.TempDir()
	fs, err := lake.NewFileStore(root)
	if err != nil {
		t.Fatal(err)
	}
	s := lake.WithRetry(fs, lake.RetryOptions{MaxAttempts: 1})
	lp, ok := lake.As[lake.LocalPather](s)
	if !ok {
		t.Fatal("no LocalPather through the retry wrapper")
	}
	if got, want := lp.LocalPath("tables/t/a.parquet"), filepath.Join(root, "tables", "t", "a.parquet"); got != want {
		t.Errorf("LocalPath = %s, want %s", got, want)
	}
	if got := lp.LocalPath(""); got != root {
		t.Errorf("LocalPath of the empty key = %s, want the root %s", got, root)
	}
	// Sync reaches the file store's syncfs: on a cancelled context it fails.
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if err := lake.Sync(cancelled, s); err == nil {
		t.Error("Sync through the retry wrapper did not reach the file store")
	}
	if _, ok := lake.As[lake.RequestCounter](s); ok {
		t.Error("a file store counts no requests")
	}
}
