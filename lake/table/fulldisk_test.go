package table

import (
	"context"
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"

	"github.com/lakectl/lakectl/lake"
)

// fullStore fails every staged Put after reading a few bytes, as a full
// disk does.
type fullStore struct{ lake.Store }

func (s fullStore) Put(ctx context.Context, key string, r io.Reader, size int64, opts lake.PutOptions) (lake.ObjectInfo, error) {
	if !strings.Contains(key, "/staging/") {
		return s.Store.Put(ctx, key, r, size, opts)
	}
	_, _ = io.CopyN(io.Discard, r, 16)
	return lake.ObjectInfo{}, fmt.Errorf("write %s: %w", key, syscall.ENOSPC)
}

// A full disk is reported as such, in one line, not as the pipe that
// feeds the upload ("read/write on closed pipe").
func TestFullDiskIsReportedNotTheClosedPipe(t *testing.T) {
	ctx := context.Background()
	tbl, err := Open(fullStore{fileStore(t)}, "t")
	if err != nil {
		t.Fatal(err)
	}
	tx, err := tbl.Begin(ctx, TxOptions{Op: OpAppend})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Abort(ctx) }()
	w, err := tx.NewWriter(testSchema, WriterOptions{RowGroupBytes: 1 << 10})
	if err != nil {
		t.Fatal(err)
	}
	err = w.Write(ctx, makeRows(1, 20000, nil))
	if err == nil {
		err = w.Close(ctx)
	}
	if err == nil || !strings.Contains(err.Error(), "no space left on device") ||
		strings.Contains(err.Error(), "closed pipe") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %q, want one line naming the full disk", err)
	}
}
