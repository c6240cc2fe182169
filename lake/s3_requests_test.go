package lake_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/lakectl/lakectl/lake"
)

// The S3 store counts what it sends by billed type, found through the
// retry wrapper; a local folder counts nothing.
func TestS3StoreCountsRequests(t *testing.T) {
	ctx := context.Background()
	s, _ := newS3Store(t, "counts", lake.Options{PartSize: lake.MinPartSize})
	if got := lake.Requests(s); got == nil || got[lake.ReqGet] != 0 {
		t.Fatalf("fresh store: requests %v, want zeros", got)
	}
	if _, err := s.Put(ctx, "a/x", bytes.NewReader([]byte("hello")), 5, lake.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("z"), lake.MinPartSize+1) // create, 2 parts, complete
	if _, err := s.Put(ctx, "a/big", bytes.NewReader(big), int64(len(big)), lake.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	rc, err := s.Get(ctx, "a/x")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, rc)
	_ = rc.Close()
	if _, err := s.Stat(ctx, "a/x"); err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := s.List(ctx, "a/", func(lake.ObjectInfo) error { n++; return nil }); err != nil || n != 2 {
		t.Fatalf("list: %d objects, %v", n, err)
	}
	if err := s.Move(ctx, "a/x", "a/y"); err != nil { // copy + delete
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "a/big"); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{lake.ReqList: 1, lake.ReqGet: 1, lake.ReqPut: 5, lake.ReqHead: 1, lake.ReqDelete: 2, lake.ReqCopy: 1}
	got := lake.Requests(s)
	for _, k := range lake.RequestTypes {
		if got[k] != want[k] {
			t.Errorf("%s requests: %d, want %d (all: %v)", k, got[k], want[k], got)
		}
	}
	fs, err := lake.NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if got := lake.Requests(fs); got != nil {
		t.Errorf("file store requests %v, want nil", got)
	}
}

// A body of unknown size costs its upload alone: the store knows the
// bytes it sent, so it asks for no HEAD afterwards (a compaction output
// is written through a pipe).
func TestS3UnknownSizePutSendsNoHead(t *testing.T) {
	ctx := context.Background()
	s, _ := newS3Store(t, "unknown", lake.Options{PartSize: lake.MinPartSize})
	for _, n := range []int{70000, lake.MinPartSize + 1} {
		body := bytes.Repeat([]byte("u"), n)
		info, err := s.Put(ctx, "u/x", struct{ io.Reader }{bytes.NewReader(body)}, -1, lake.PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if info.Size != int64(n) || info.ETag == "" {
			t.Fatalf("put of %d bytes returned %+v", n, info)
		}
	}
	if got := lake.Requests(s); got[lake.ReqHead] != 0 || got[lake.ReqPut] != 5 {
		t.Fatalf("requests %v, want 5 PUTs (one, then create, 2 parts, complete) and no HEAD", got)
	}
}
