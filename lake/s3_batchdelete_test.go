package lake_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/lake"
)

// A commit's removed files go in DeleteObjects batches of 1,000 (one
// request each), found through the retry wrapper; missing keys are fine.
func TestS3DeleteKeysBatches(t *testing.T) {
	ctx := context.Background()
	store, _ := newS3Store(t, "batch", lake.Options{})
	var keys []string
	for i := range 1005 {
		k := fmt.Sprintf("t/f-%04d", i)
		if _, err := store.Put(ctx, k, strings.NewReader("x"), 1, lake.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	bd, ok := lake.As[lake.BatchDeleter](store)
	if !ok {
		t.Fatal("the S3 store has no BatchDeleter")
	}
	before := lake.Requests(store)
	if err := bd.DeleteKeys(ctx, append(keys, "t/never-there")); err != nil {
		t.Fatal(err)
	}
	if n := lake.Requests(store)[lake.ReqDelete] - before[lake.ReqDelete]; n != 2 {
		t.Fatalf("%d DELETE requests, want 2", n)
	}
	for _, k := range []string{keys[0], keys[1004]} {
		if _, err := store.Stat(ctx, k); !errors.Is(err, lake.ErrNotExist) {
			t.Fatalf("%s after DeleteKeys: %v", k, err)
		}
	}
}
