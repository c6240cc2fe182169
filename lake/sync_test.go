package lake

import (
	"context"
	"strings"
	"testing"
)

func TestFileStoreSyncMakesPutsDurable(t *testing.T) {
	s, err := NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var _ Syncer = s
	ctx := context.Background()
	if _, err := s.Put(ctx, "a/b.json", strings.NewReader("{}"), 2, PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := Sync(ctx, s); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Sync(cancelled); err == nil {
		t.Fatal("Sync on a cancelled context succeeded")
	}
}
