package lake_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"

	"github.com/lakectl/lakectl/lake"
)

// flakyStore is a real file store whose first calls fail with a
// connection reset, as a network store's would.
type flakyStore struct {
	lake.Store
	putFailures  int // Puts left to fail (after reading the body)
	listFailures int // Lists left to fail after delivering two objects
	puts, lists  int
}

var errReset = fmt.Errorf("read tcp: %w", syscall.ECONNRESET)

func (f *flakyStore) Put(ctx context.Context, key string, r io.Reader, size int64, opts lake.PutOptions) (lake.ObjectInfo, error) {
	f.puts++
	if f.putFailures > 0 {
		f.putFailures--
		_, _ = io.Copy(io.Discard, r)
		return lake.ObjectInfo{}, errReset
	}
	return f.Store.Put(ctx, key, r, size, opts)
}

func (f *flakyStore) List(ctx context.Context, prefix string, fn func(lake.ObjectInfo) error) error {
	f.lists++
	fail := f.listFailures > 0
	if fail {
		f.listFailures--
	}
	n := 0
	return f.Store.List(ctx, prefix, func(o lake.ObjectInfo) error {
		if fail && n == 2 {
			return errReset
		}
		n++
		return fn(o)
	})
}

func TestRetryWrapperRetriesSeekablePutsOnly(t *testing.T) {
	ctx := context.Background()
	flaky := &flakyStore{Store: newFileStore(t), putFailures: 1}
	s := lake.WithRetry(flaky, lake.RetryOptions{MaxAttempts: 3})
	if _, err := s.Put(ctx, "k", bytes.NewReader([]byte("payload")), 7, lake.PutOptions{}); err != nil {
		t.Fatalf("seekable put after one reset: %v", err)
	}
	if got := string(readAll(t, s, "k")); got != "payload" || flaky.puts != 2 {
		t.Fatalf("object %q after %d puts; want the whole payload after 2 (the body re-read from the start)", got, flaky.puts)
	}
	flaky.putFailures, flaky.puts = 1, 0
	if _, err := s.Put(ctx, "k2", struct{ io.Reader }{strings.NewReader("x")}, 1, lake.PutOptions{}); err == nil || flaky.puts != 1 {
		t.Fatalf("a non-seekable body was retried (%d puts, err %v): it cannot be re-read", flaky.puts, err)
	}
}

func TestRetryWrapperResumesListingAfterLastKey(t *testing.T) {
	ctx := context.Background()
	flaky := &flakyStore{Store: newFileStore(t), listFailures: 1}
	s := lake.WithRetry(flaky, lake.RetryOptions{MaxAttempts: 3})
	for i := range 5 {
		if _, err := flaky.Store.Put(ctx, fmt.Sprintf("k%d", i), strings.NewReader("x"), 1, lake.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	if err := s.List(ctx, "", func(o lake.ObjectInfo) error { got = append(got, o.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "k0,k1,k2,k3,k4" || flaky.lists != 2 {
		t.Fatalf("listed %q in %d listings; want every key once, in order, after one restart", got, flaky.lists)
	}
}
