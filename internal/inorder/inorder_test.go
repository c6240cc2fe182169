package inorder_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/inorder"
)

// Results come in key order whatever order the fetches end in, with at
// most ahead fetches under way.
func TestFetchHandsResultsOnInOrderWithBoundedFetches(t *testing.T) {
	keys := make([]int, 100)
	for i := range keys {
		keys[i] = i
	}
	var running, most atomic.Int64
	fetch := func(_ context.Context, k int) (int, error) {
		n := running.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
		running.Add(-1)
		return k * 2, nil
	}
	next := 0
	err := inorder.Fetch(context.Background(), keys, 8, fetch, func(k, v int, err error) error {
		if err != nil || k != next || v != 2*k {
			t.Fatalf("got key %d value %d (%v), want key %d", k, v, err, next)
		}
		next++
		return nil
	})
	if err != nil || next != len(keys) {
		t.Fatalf("%d results, %v", next, err)
	}
	if m := most.Load(); m > 8 {
		t.Errorf("%d fetches at once, want at most 8", m)
	}
}

// Stop ends a fetch early without an error; another error from fn ends
// it with that error. Neither waits for the keys after it.
func TestFetchStopsAtStopOrAnError(t *testing.T) {
	keys := []string{"a", "b", "c", "d"}
	fetch := func(_ context.Context, k string) (string, error) { return k, nil }
	var seen []string
	err := inorder.Fetch(context.Background(), keys, 2, fetch, func(k, _ string, _ error) error {
		seen = append(seen, k)
		if k == "b" {
			return inorder.Stop
		}
		return nil
	})
	if err != nil || len(seen) != 2 {
		t.Fatalf("Stop at b: saw %v, %v; want a, b and no error", seen, err)
	}
	boom := errors.New("boom")
	err = inorder.Fetch(context.Background(), keys, 2, fetch, func(k, _ string, _ error) error {
		if k == "c" {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("error at c: %v, want boom", err)
	}
}
